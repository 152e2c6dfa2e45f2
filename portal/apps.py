from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The citizen's pages: online submission, tracking, supplements, withdrawal."""

    name = "portal"
    verbose_name = _("Cổng công dân")
