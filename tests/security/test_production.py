"""The production settings refuse to start with the console e-mail backend, the development or a short secret key,
or no https PUBLIC_BASE_URL: `manage.py check --deploy` fails, and so does anything else that loads them
(gunicorn, Celery: `django.setup()`), since they do not run the system checks."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from onecua.settings import base

GOOD = {
    "DJANGO_SETTINGS_MODULE": "onecua.settings.prod",
    "DJANGO_SECRET_KEY": "ci-6hQ2vR8mZk1LwP0xYt7NcJ3bFa9GdUe5Hs4Kq2Wm8Vr1Tz6Py0Lo3Ni7Bx5Cj",
    "DJANGO_ALLOWED_HOSTS": "motcua.example.gov.vn",
    "PUBLIC_BASE_URL": "https://motcua.example.gov.vn",
    "CACHE_URL": "redis://127.0.0.1:6379/15",  # production needs a shared cache; nothing connects at start-up
}


def run(tmp_path, *args, unset=(), **env):
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
                   "DATABASE_URL": f"sqlite:///{tmp_path}/prod.sqlite3", "PRIVATE_STORAGE_ROOT": str(tmp_path),
                   **GOOD, **env}
    for name in unset:
        environment.pop(name)
    return subprocess.run([sys.executable, *args], cwd=settings.BASE_DIR, env=environment, capture_output=True,
                          text=True, timeout=120)


def check_deploy(tmp_path, *options, unset=(), **env):
    return run(tmp_path, "manage.py", "check", "--deploy", *options, unset=unset, **env)


@pytest.mark.parametrize("backend", ["django.core.mail.backends.console.EmailBackend",
                                     "core.backends.ConsoleEmailBackend",
                                     "django.core.mail.backends.filebased.EmailBackend"])
def test_the_console_email_backend_is_refused(tmp_path, backend):
    proc = check_deploy(tmp_path, EMAIL_BACKEND=backend)
    assert proc.returncode != 0
    assert f"onecua.E002: EMAIL_BACKEND is {backend}" in proc.stderr


def test_the_environment_ci_passes_is_accepted_and_mail_goes_by_smtp(tmp_path):
    # .ci/run's step: check --deploy --fail-level WARNING with a random key, the host, and now PUBLIC_BASE_URL.
    proc = check_deploy(tmp_path, "--fail-level", "WARNING")
    assert proc.returncode == 0, proc.stderr
    # No EMAIL_BACKEND in that environment: production sends by SMTP, never to the console.
    proc = run(tmp_path, "manage.py", "shell", "-c", "from django.conf import settings; print(settings.EMAIL_BACKEND)")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "django.core.mail.backends.smtp.EmailBackend"


@pytest.mark.parametrize("key, message", [
    (base.SECRET_KEY, "DJANGO_SECRET_KEY is the development key"),
    ("django-insecure-" + "x1y2z3" * 10, "DJANGO_SECRET_KEY is the development key"),
    ("a-short-but-random-Key-9f8e7d6c5b4a", "DJANGO_SECRET_KEY is too short (35 characters)"),
])
def test_the_development_or_a_short_secret_key_is_refused(tmp_path, key, message):
    proc = check_deploy(tmp_path, DJANGO_SECRET_KEY=key)
    assert proc.returncode != 0
    assert f"onecua.E001: {message}" in proc.stderr


def test_a_missing_public_base_url_is_refused(tmp_path):
    proc = check_deploy(tmp_path, unset=["PUBLIC_BASE_URL"])
    assert proc.returncode != 0
    assert "onecua.E003: PUBLIC_BASE_URL is not set" in proc.stderr


@pytest.mark.parametrize("url", ["http://motcua.example.gov.vn", "http://127.0.0.1:8000", "motcua.example.gov.vn"])
def test_a_public_base_url_that_is_not_https_is_refused(tmp_path, url):
    proc = check_deploy(tmp_path, PUBLIC_BASE_URL=url)
    assert proc.returncode != 0
    assert f"onecua.E003: PUBLIC_BASE_URL is {url}: it must be the portal's public https address" in proc.stderr


def test_every_problem_is_named_at_once_and_gunicorn_or_celery_would_not_start(tmp_path):
    # gunicorn and Celery load the settings with django.setup() and never run the system checks.
    proc = run(tmp_path, "-c", "import django; django.setup(); print('started')", unset=["PUBLIC_BASE_URL"],
               EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend", DJANGO_SECRET_KEY="kort")
    assert proc.returncode != 0 and "started" not in proc.stdout
    assert "ImproperlyConfigured: The production settings are refused" in proc.stderr
    for check_id in ("onecua.E001", "onecua.E002", "onecua.E003"):
        assert check_id in proc.stderr


def test_the_deploy_check_refuses_any_settings_module_with_those_values(tmp_path):
    # A settings module that does not derive from prod.py (here the development one) gets the system check's errors.
    proc = check_deploy(tmp_path, DJANGO_SETTINGS_MODULE="onecua.settings.dev", unset=["PUBLIC_BASE_URL"],
                        DJANGO_SECRET_KEY=base.SECRET_KEY)
    assert proc.returncode != 0
    for check_id in ("(onecua.E001)", "(onecua.E002)", "(onecua.E003)"):
        assert check_id in proc.stderr


def test_the_deploy_check_passes_production_values_and_warns_about_a_local_address(settings):
    from onecua.checks import check_production

    settings.SECRET_KEY = GOOD["DJANGO_SECRET_KEY"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.ONECUA = {**settings.ONECUA, "PUBLIC_BASE_URL": "https://motcua.example.gov.vn"}
    assert check_production() == []
    settings.ONECUA = {**settings.ONECUA, "PUBLIC_BASE_URL": "https://localhost"}
    assert [m.id for m in check_production()] == ["onecua.W001"]
