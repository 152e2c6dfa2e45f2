"""Production settings: everything secret or site-specific comes from the environment."""

from django.core.exceptions import ImproperlyConfigured

from onecua.checks import production_problems, refusal_message
from onecua.settings.base import *  # noqa: F403
from onecua.settings.base import MIDDLEWARE, ONECUA, env

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

STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env("PRIVATE_STORAGE_ROOT", default="/var/lib/onecua/private")},
    },
    "staticfiles": {"BACKEND": "onecua.storage.StaticFilesStorage"},
}
# whitenoise serves the collected static files right after the security middleware.
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]

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
if _problems := production_problems(secret_key=SECRET_KEY, email_backend=EMAIL_BACKEND,
                                    public_base_url=ONECUA["PUBLIC_BASE_URL"]):
    raise ImproperlyConfigured(refusal_message(_problems))
