from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo data for `make run` (manage.py load_demo)."""

    name = "demo"
    verbose_name = _("Dữ liệu mẫu")
