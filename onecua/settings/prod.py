"""Production settings: everything secret or site-specific comes from the environment."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from core.storage import private_storage_settings
from onecua.checks import production_problems, refusal_message
from onecua.settings.base import *  # noqa: F403
from onecua.settings.base import CACHES, LOGGING, MIDDLEWARE, ONECUA, env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Administrators (superusers, Role.ADMIN memberships) need a confirmed TOTP device for /admin/ and the workspace.
OTP_REQUIRED_FOR_ADMINS = env.bool("OTP_REQUIRED_FOR_ADMINS", default=True)

# Private files: the local folder (one machine, or a volume every node mounts) or, with STORAGE_BACKEND=s3, the
# object store every node shares (core/storage.py). Downloads: PRIVATE_DOWNLOADS=stream|presigned.
PRIVATE_STORAGE_ROOT = Path(env("PRIVATE_STORAGE_ROOT", default="/var/lib/onecua/private"))
_private_storage, PRIVATE_DOWNLOADS = private_storage_settings(env, location=PRIVATE_STORAGE_ROOT)
STORAGES = {
    "default": _private_storage,
    "staticfiles": {"BACKEND": "onecua.storage.StaticFilesStorage"},
}

# Several web and worker nodes: whatever they must agree on lives in the shared cache (Redis), never in a
# process's memory: rate limits (tracking, uploads, registration, verification, the API), one-shot notices, the
# portal's sign-in session; sessions are read from it and kept in the database (cached_db) so that a Redis restart
# signs nobody out. A per-process cache would let each node count its own attempts: refused below.
SHARED_CACHE_BACKENDS = ("django.core.cache.backends.redis.RedisCache", "core.cache.RedisCache")
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# whitenoise serves the collected static files right after the security middleware.
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]

# Logs: one JSON object per line with the request id (LOG_FORMAT=text for plain lines).
LOGGING["handlers"]["console"]["formatter"] = env("LOG_FORMAT", default="json")

# E-mail leaves by SMTP unless EMAIL_BACKEND names another real backend (a console or file backend is refused).
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
# Links in e-mails, SMS and QR codes: the portal's public https address, required (no development default).
ONECUA = {**ONECUA, "PUBLIC_BASE_URL": env("PUBLIC_BASE_URL", default="")}

# Refuse to start rather than leak: gunicorn and Celery never run the system checks, so the settings decide here
# (onecua/checks.py; `manage.py check --deploy` reports the same for any settings module).
_problems = production_problems(secret_key=SECRET_KEY, email_backend=EMAIL_BACKEND,
                                public_base_url=ONECUA["PUBLIC_BASE_URL"])
if CACHES["default"]["BACKEND"] not in SHARED_CACHE_BACKENDS:
    _problems.append((
        "onecua.E004", f"CACHE_URL is not set to a shared cache (the cache is {CACHES['default']['BACKEND']}): "
        "rate limits, sessions and locks would live in each process's memory, so every gunicorn worker and every "
        "node would count and decide on its own. Set CACHE_URL to the Redis server all web and worker nodes share, "
        "e.g. CACHE_URL=redis://redis:6379/1."))
if _problems:
    raise ImproperlyConfigured(refusal_message(_problems))
