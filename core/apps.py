from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Shared pieces with no model: domain errors, masking, links, message transports, HTTP helpers."""

    name = "core"
    verbose_name = _("Chung")
