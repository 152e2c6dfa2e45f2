from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrintingConfig(AppConfig):
    """Printed forms: the PDF engine, the seven forms of Decree 118 and the tracking book."""

    name = "printing"
    verbose_name = _("Biểu mẫu in")
