"""Embedded default for `make run`: SQLite, eager Celery, console e-mail, local private storage."""

from onecua.settings.base import *  # noqa: F403
from onecua.settings.base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
