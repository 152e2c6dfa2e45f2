from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Operations: health and readiness probes, Prometheus metrics, request ids on logs and tasks, backups."""

    name = "ops"
    verbose_name = _("Vận hành")

    def ready(self):
        from celery.signals import before_task_publish, task_postrun, task_prerun
        from django.core.signals import request_finished

        from ops import tracing

        before_task_publish.connect(tracing.tag_published_task, dispatch_uid="ops.tag_published_task", weak=False)
        task_prerun.connect(tracing.enter_task, dispatch_uid="ops.enter_task", weak=False)
        task_postrun.connect(tracing.leave_task, dispatch_uid="ops.leave_task", weak=False)
        request_finished.connect(tracing.request_done, dispatch_uid="ops.request_done", weak=False)
