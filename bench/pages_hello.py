"""The baseline of bench/pages.py: a one-view Django "hello" site (settings, URLs and the view in this module).

bench/pages.py serves it with gunicorn exactly as it serves Một Cửa (same gunicorn configuration, same number of
workers, in the same run): `DJANGO_SETTINGS_MODULE=bench.pages_hello gunicorn 'django.core.wsgi:get_wsgi_application()'`.
What one request costs here is what Django and gunicorn cost by themselves (the WSGI handler, URL resolution, a
response); each page's CPU time is printed as a ratio to it. No middleware, no database, no template.
"""

import os

from django.http import HttpResponse
from django.urls import path

DEBUG = False
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "bench-hello-" + "x" * 50)
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = __name__
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
DATABASES: dict = {}
USE_TZ = True
USE_I18N = False


def hello(request):
    return HttpResponse("Xin chào", content_type="text/plain; charset=utf-8")


urlpatterns = [path("", hello)]

if __name__ == "__main__":  # CI runs every bench/*.py --smoke: this one is only served by bench/pages.py
    print("bench/pages_hello.py is the hello site bench/pages.py serves; run bench/pages.py.")
