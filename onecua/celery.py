"""The Celery application. With CELERY_BROKER_URL unset, tasks run eagerly (embedded default)."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onecua.settings.dev")

app = Celery("onecua")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def close_old_connections(**kwargs) -> None:
    """Around each task, what Django does around each request: close a connection older than CONN_MAX_AGE or left
    unusable by an error, keep the others (CELERY_DB_REUSE_MAX stops Celery from closing them all)."""
    task = kwargs.get("task")
    if task is not None and getattr(task.request, "is_eager", False):
        return  # inside the caller's request or transaction
    from django.db import close_old_connections as close

    close()
