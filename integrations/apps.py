from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    """Exchanges with the national systems: the National Public Service Portal (DVCQG) and its catalog."""

    name = "integrations"
    verbose_name = _("Kết nối hệ thống quốc gia")
