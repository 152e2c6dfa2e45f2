from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    """Exchanges with the national systems: the National Public Service Portal (DVCQG) and its catalog."""

    name = "integrations"
    verbose_name = _("Kết nối hệ thống quốc gia")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from dossiers.signals import dossier_acted
        from integrations import receivers, tasks  # noqa: F401 - tasks registers the Celery tasks
        from integrations.models import StatusMapping
        from integrations.outbox import forget_mapping

        dossier_acted.connect(receivers.on_dossier_acted, dispatch_uid="integrations.on_dossier_acted")
        for signal in (post_save, post_delete):
            signal.connect(forget_mapping, sender=StatusMapping, dispatch_uid=f"integrations.forget_mapping.{signal}")
