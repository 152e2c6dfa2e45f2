from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    """Online payment of fees and financial obligations through a payment gateway (redirect + IPN)."""

    name = "payments"
    verbose_name = _("Thanh toán trực tuyến")
