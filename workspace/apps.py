from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    """The staff pages: queues, desk intake, actions on a dossier, forms as PDFs."""

    name = "workspace"
    verbose_name = _("Không gian làm việc")
