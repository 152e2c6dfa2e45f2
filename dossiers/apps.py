from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = _("Hồ sơ")

    def ready(self):
        from dossiers.tasks import recompute_due_times
        from procedures.signals import deadline_rules_changed

        def enqueue_recompute(sender, procedure_id=None, **kwargs):
            try:
                recompute_due_times.delay(procedure_id)
            except Exception:  # noqa: BLE001 - a broker outage must not break the admin's save
                import logging

                logging.getLogger(__name__).exception(
                    "Could not enqueue the due-time recompute; run `recompute_due_times` when the broker is back"
                )

        deadline_rules_changed.connect(enqueue_recompute, dispatch_uid="dossiers.recompute_on_rule_change", weak=False)
