"""WSGI entry point (gunicorn onecua.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onecua.settings.prod")
application = get_wsgi_application()
