"""Settings shared by every environment; values come from environment variables (django-environ)."""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-dev-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_fsm",
    "procedures",
    "accounts",
    "dossiers",
    "surveys",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "onecua.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "onecua.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.staff",
                "surveys.context_processors.follow_ups",
                "reports.context_processors.reports_nav",
            ],
        },
    },
]

WSGI_APPLICATION = "onecua.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=0))
# A kept connection is checked once before its first use in each request or task (see onecua/celery.py).
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", DATABASES["default"]["CONN_MAX_AGE"] != 0)
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Short indexed queries only: PostgreSQL's JIT compiles for hundreds of milliseconds to save a few.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rate limits (tracking, login) live in the cache: use a shared one (e.g. Redis) with several web processes.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.EmailOrPhoneBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# Private files (dossier attachments) never live under a public URL: there is no MEDIA_URL route.
PRIVATE_STORAGE_ROOT = Path(env("PRIVATE_STORAGE_ROOT", default=str(BASE_DIR / "var" / "private")))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_STORAGE_ROOT), "base_url": "/khong-cong-khai/"},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Một Cửa <noreply@motcua.local>")

# Celery: eager when no broker is configured, so the embedded default needs no Redis.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Defaults for any task; each dossiers task sets its own (send 60/90 s, sweep 9/10 min, recompute 25/30 min).
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
# acks_late and reject_on_worker_lost are set per task, only on idempotent ones (all of dossiers.tasks).
CELERY_TASK_ACKS_LATE = False
CELERY_WORKER_PREFETCH_MULTIPLIER = env.int("CELERY_WORKER_PREFETCH_MULTIPLIER", default=4)
# Redis redelivers an unacknowledged message after the visibility timeout: longer than the longest task's hard
# limit (recompute, 30 min) and the longest retry countdown (30 min), or a running task would be duplicated.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
# A state change must not hang the request when Redis is down: fail fast, the outbox row waits for the re-queue.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Celery's Django fix-up closes every database connection before and after each task unless this is set, so a
# worker opened a new PostgreSQL connection (a server process) for every task whatever DB_CONN_MAX_AGE said. With
# it set, onecua/celery.py applies Django's own rule around each task instead (CONN_MAX_AGE, broken connections).
CELERY_DB_REUSE_MAX = 1_000_000
CELERY_BEAT_SCHEDULE: dict = {
    # Outbox rows whose after-commit enqueue was lost (broker outage) or whose sender died.
    "requeue-notifications": {"task": "dossiers.requeue_notifications", "schedule": 60.0},
    # Every working hour; the digest is written once a day per officer, prompts once per due time.
    "deadline-sweep": {
        "task": "dossiers.deadline_sweep",
        "schedule": crontab(minute=5, hour="7-17"),
    },
    # The day's tracking book (form 07) of every desk, after closing time.
    "tracking-books": {"task": "dossiers.render_tracking_books", "schedule": crontab(minute=30, hour=18)},
}

EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# Dotted path of the SMS backend: a class with send(*, phone, text, idempotency_key).
ONECUA_SMS_BACKEND = env("ONECUA_SMS_BACKEND", default="dossiers.notifications.ConsoleSMSBackend")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Product settings (feature constants live here, not as scattered literals).
ONECUA = {
    "CATALOG_PAGE_SIZE": env.int("CATALOG_PAGE_SIZE", default=20),
    "PROVINCE_NAME": env("PROVINCE_NAME", default="Tây Ninh"),
    # An apology (form 04) must be issued at least this many working days before the due time.
    "APOLOGY_MIN_LEAD_WORKING_DAYS": env.int("APOLOGY_MIN_LEAD_WORKING_DAYS", default=1),
    "PROCEDURE_PAGE_CONTEXT": ["dossiers.selectors.procedure_page_context"],
    "LOGIN_FAILURES_ALLOWED": env.int("LOGIN_FAILURES_ALLOWED", default=5),
    "LOGIN_LOCKOUT_MINUTES": env.int("LOGIN_LOCKOUT_MINUTES", default=15),
    "TRACK_LOOKUPS_PER_10_MIN": env.int("TRACK_LOOKUPS_PER_10_MIN", default=30),
    "PUBLIC_BASE_URL": env("PUBLIC_BASE_URL", default="http://127.0.0.1:8000"),
    "MAX_UPLOAD_BYTES": env.int("MAX_UPLOAD_BYTES", default=10 * 1024 * 1024),
    "MAX_FILES_PER_DOSSIER": env.int("MAX_FILES_PER_DOSSIER", default=30),
    "MAX_FILES_PER_SUPPLEMENT": env.int("MAX_FILES_PER_SUPPLEMENT", default=10),
    "ALLOWED_UPLOAD_TYPES": env.list("ALLOWED_UPLOAD_TYPES", default=["application/pdf", "image/jpeg", "image/png"]),
    "MAIL_DOMAIN": env("MAIL_DOMAIN", default="motcua.local"),
    # Outbox: a claimed row is someone else's for this long (must exceed the send task's 90 s hard limit).
    "NOTIFICATION_LEASE_SECONDS": env.int("NOTIFICATION_LEASE_SECONDS", default=10 * 60),
    "NOTIFICATION_MAX_ATTEMPTS": env.int("NOTIFICATION_MAX_ATTEMPTS", default=6),
    "NOTIFICATION_RETRY_BASE_SECONDS": env.int("NOTIFICATION_RETRY_BASE_SECONDS", default=30),
    "NOTIFICATION_REQUEUE_GRACE_SECONDS": env.int("NOTIFICATION_REQUEUE_GRACE_SECONDS", default=60),
    # A send task's rows are claimed this many per statement; the task's hard limit stays under the lease.
    "NOTIFICATION_CLAIM_SIZE": env.int("NOTIFICATION_CLAIM_SIZE", default=20),
    "NOTIFICATION_BATCH_SIZE": env.int("NOTIFICATION_BATCH_SIZE", default=200),
    # Satisfaction rating: the link in the result notification (and the tracking page's form) stays valid this
    # many days; the kiosk page the desk opens on a tablet, this many minutes.
    "RATING_TOKEN_DAYS": env.int("RATING_TOKEN_DAYS", default=30),
    "RATING_KIOSK_TOKEN_MINUTES": env.int("RATING_KIOSK_TOKEN_MINUTES", default=30),
    # Decision 766/QĐ-TTg indicators this product computes: points and the rate (%) that earns full points;
    # below it the score is rate × points ÷ threshold. The on-time and satisfaction points are those of
    # docs/domain.md §6; the online and digitisation split is the province's to set (defaults are practice).
    "INDEX_766": {
        "on_time": {"points": 20, "threshold": 100},
        "online_rate": {"points": 6, "threshold": 50},
        "online_coverage": {"points": 6, "threshold": 80},
        "digitisation": {"points": 10, "threshold": 80},
        "satisfaction": {"points": 6, "threshold": 90},
    },
    # The public transparency page covers this many whole months before the current one.
    "PUBLIC_FIGURES_MONTHS": env.int("PUBLIC_FIGURES_MONTHS", default=12),
}
