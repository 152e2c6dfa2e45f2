"""Production refuses settings that would leak personal data or send citizens to the wrong site.

`production_problems` decides from plain values. settings/prod.py calls it and raises ImproperlyConfigured, so
gunicorn, the Celery worker and every manage.py command refuse to start (none of them runs the system checks on
its own). `check_production` reports the same problems as system-check errors under `manage.py check --deploy`
for any settings module (base.py imports this module, which registers it).

This module is imported while the settings load: it reads no setting at import time.
"""

from urllib.parse import urlsplit

from django.core import checks

# The key base.py falls back to for development and tests, and the prefixes of generated development keys.
DEV_SECRET_KEYS = {"insecure-dev-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"}
DEV_SECRET_PREFIXES = ("django-insecure", "insecure-")
MIN_SECRET_KEY_LENGTH = 50
# Backends that write every message, with its recipient and text, to the log or to disk.
LEAKING_EMAIL_BACKENDS = ("console", "filebased")
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}


def production_problems(*, secret_key: str, email_backend: str, public_base_url: str) -> list[tuple[str, str]]:
    """(check id, message) for each setting production must not run with; empty when all are fine."""
    problems = []
    key = secret_key or ""
    if key in DEV_SECRET_KEYS or key.startswith(DEV_SECRET_PREFIXES):
        problems.append(("onecua.E001", "DJANGO_SECRET_KEY is the development key: set a random value of at least "
                                        f"{MIN_SECRET_KEY_LENGTH} characters (python -c \"import secrets; "
                                        "print(secrets.token_urlsafe(50))\")."))
    elif len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < 5:
        problems.append(("onecua.E001", f"DJANGO_SECRET_KEY is too short ({len(key)} characters): set a random "
                                        f"value of at least {MIN_SECRET_KEY_LENGTH} characters (python -c \"import "
                                        "secrets; print(secrets.token_urlsafe(50))\")."))
    backend = (email_backend or "").lower()
    if any(word in backend for word in LEAKING_EMAIL_BACKENDS):
        problems.append(("onecua.E002", f"EMAIL_BACKEND is {email_backend}, a development backend: citizens "
                                        "would get nothing, and a console or file backend writes the messages "
                                        "(names, addresses, dossier codes, links) to the log or to disk. Use SMTP, "
                                        "the production default (unset EMAIL_BACKEND; EMAIL_HOST, EMAIL_PORT, "
                                        "EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS), or another real "
                                        "backend."))
    url = (public_base_url or "").strip()
    if not url:
        problems.append(("onecua.E003", "PUBLIC_BASE_URL is not set: e-mails, SMS and QR codes would link to no "
                                        "site. Set it to the portal's public https address, e.g. "
                                        "https://motcua.tayninh.gov.vn."))
    else:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            problems.append(("onecua.E003", f"PUBLIC_BASE_URL is {url}: it must be the portal's public https "
                                            "address (links carry rating tokens), e.g. https://motcua.tayninh.gov.vn."))
    return problems


def is_local_address(url: str) -> bool:
    """An https address of this machine: allowed (docker-compose's default serves https://localhost for a trial),
    but `check --deploy` warns, since citizens cannot open the links."""
    return (urlsplit((url or "").strip()).hostname or "") in LOCAL_HOSTS


def refusal_message(problems: list[tuple[str, str]]) -> str:
    return "The production settings are refused:\n" + "\n".join(f"  {pid}: {text}" for pid, text in problems)


@checks.register(checks.Tags.security, deploy=True)
def check_production(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    from django.conf import settings

    url = getattr(settings, "ONECUA", {}).get("PUBLIC_BASE_URL", "")
    problems = production_problems(secret_key=settings.SECRET_KEY, email_backend=settings.EMAIL_BACKEND,
                                   public_base_url=url)
    messages: list[checks.CheckMessage] = [checks.Error(text, id=pid) for pid, text in problems]
    if not any(pid == "onecua.E003" for pid, _text in problems) and is_local_address(url):
        messages.append(checks.Warning(f"PUBLIC_BASE_URL is {url}, an address of this machine: the links in "
                                       "e-mails, SMS and QR codes will not open for citizens.", id="onecua.W001"))
    return messages
