from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = _("Xin ý kiến cơ quan khác")

    def ready(self):
        from consultations.selectors import control_sheet_rows
        from printing.documents import register_control_sheet_rows

        register_control_sheet_rows(control_sheet_rows)
