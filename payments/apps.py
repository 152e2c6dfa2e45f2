from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    """Online payment of fees and financial obligations through a payment gateway (redirect + IPN)."""

    name = "payments"
    verbose_name = _("Thanh toán trực tuyến")

    def ready(self):
        from django.conf import settings
        from django.core import checks
        from django.core.exceptions import ImproperlyConfigured

        from dossiers.signals import dossier_acted
        from payments import receivers, tasks  # noqa: F401 - tasks registers payments.reconcile_payments
        from payments.checks import check_payments, payment_problems, refusal_message

        dossier_acted.connect(receivers.on_dossier_acted, dispatch_uid="payments.on_dossier_acted")
        checks.register(check_payments, checks.Tags.security, deploy=True)
        # gunicorn and Celery never run the system checks: with DEBUG off, the settings that would let anyone
        # confirm a payment (the simulator's demo secret, the simulator served) refuse to start here.
        if not settings.DEBUG and (problems := payment_problems(payments=getattr(settings, "PAYMENTS", {}),
                                                                debug=False, at_start=True)):
            raise ImproperlyConfigured(refusal_message(problems))
