"""Embedded default for `make run`: SQLite, eager Celery, console e-mail, local private storage."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
