"""Một Cửa project package: settings, URLs, the Celery app, WSGI/ASGI entry points."""

from onecua.celery import app as celery_app

__all__ = ("celery_app",)
