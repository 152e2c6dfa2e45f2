from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The open REST API (/api/v1/) for other systems: the catalog, and dossiers for authorised clients."""

    name = "api"
    verbose_name = _("API mở")

    def ready(self):
        from api import base  # noqa: F401 - registers the OpenAPI description of the client token scheme
