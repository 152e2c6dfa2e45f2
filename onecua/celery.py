"""The Celery application. With CELERY_BROKER_URL unset, tasks run eagerly (embedded default)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onecua.settings.dev")

app = Celery("onecua")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
