"""Settings shared by every environment; values come from environment variables (django-environ)."""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

import onecua.checks  # noqa: F401 - registers the production checks that `manage.py check --deploy` runs
from core.storage import private_storage_settings

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-dev-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    # django.contrib.admin, its site refusing malformed input without a 500 (onecua/admin_site.py).
    "onecua.admin_site.OneCuaAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_fsm",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "oauth2_provider",
    # Lowest first; each app imports only the apps above it in this list (tests/onecua/test_architecture.py).
    "core",
    "procedures",
    "accounts",
    "dossiers",
    "notifications",
    "printing",
    "payments",
    "integrations",
    "privacy",
    "portal",
    "workspace",
    "api",
    "ops",
    "surveys",
    "feedback",
    "consultations",
    "reports",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # 400 to NUL bytes and other control characters in the address or the form, before any view or query;
    # cookies holding them are dropped before the session is looked up.
    "onecua.input_guard.InputGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): signed in with a TOTP code too
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff signed out after ONECUA["STAFF_IDLE_MINUTES"] without a request (accounts/sessions.py).
    "accounts.sessions.StaffIdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "onecua.middleware.ContentSecurityPolicyMiddleware",
    # A domain error (core.errors) no view handled: a page saying why, with its status.
    "core.middleware.DomainErrorMiddleware",
    # A session that owes its TOTP code goes to the code page; administrators to enrolment where required.
    "accounts.second_factor.SecondFactorMiddleware",
    # Last: turns a sign-in refused by the lockout into the lockout page (accounts.lockout.lockout_response).
    "axes.middleware.AxesMiddleware",
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

# Rate limits (tracking, registration) live in the cache: use a shared one (e.g. Redis) with several web
# processes. The sign-in lockout lives in the database (django-axes).
CACHES = {
    "default": env.cache("CACHE_URL", default="locmemcache://"),
    # Rendered catalog fragments (procedures/views.py): per process and bounded, each checked against the catalog
    # version held in the shared cache, so every node serves the current catalog while no visitor can fill the
    # shared cache with pages of made-up queries.
    "catalog_fragments": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "catalog",
                          "OPTIONS": {"MAX_ENTRIES": 2000}},
}
# Django's Redis backend builds a new redis.Redis client for every cache call; core.cache's keeps one per pool.
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "core.cache.RedisCache"

AUTH_USER_MODEL = "accounts.User"
# Axes' backend first: it refuses a locked-out login before any password is checked (every sign-in form, the
# admin's included). AxesStandaloneBackend is axes' AxesBackend without a second copy of ModelBackend.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "accounts.backends.EmailOrPhoneBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Client addresses (rate limits, sign-in lockout; accounts.ratelimit.client_ip): REMOTE_ADDR, or, when it is one
# of these reverse proxies (IP addresses or CIDR networks), X-Forwarded-For read from the right past them.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

# Sign-in lockout (django-axes, accounts/lockout.py): ONECUA["LOGIN_FAILURES_ALLOWED"] failures of one login,
# normalised as the backend reads it (a phone's digits, an e-mail in lower case), from one client address lock
# that pair out for ONECUA["LOGIN_LOCKOUT_MINUTES"]; attempts are rows of axes' tables (shared by all processes).
AXES_ENABLED = True
AXES_FAILURE_LIMIT = "accounts.lockout.failure_limit"
AXES_COOLOFF_TIME = "accounts.lockout.cool_off"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "accounts.lockout.lockout_username"
AXES_CLIENT_IP_CALLABLE = "accounts.ratelimit.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_DISABLE_ACCESS_LOG = True  # no table of every sign-in (logins, addresses) kept forever
AXES_VERBOSE = False  # no start-up banner on stderr (command-line tools print one clean line)

# Second factor (django-otp, TOTP): staff may enrol at /tai-khoan/xac-thuc-hai-buoc/; once enrolled, sign-in asks
# for the code. With OTP_REQUIRED_FOR_ADMINS (on in production), administrators must enrol to use /admin/ and the
# staff workspace.
OTP_REQUIRED_FOR_ADMINS = env.bool("OTP_REQUIRED_FOR_ADMINS", default=False)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Một Cửa")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a device's secret key

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# bench/pages.py collects into a directory of its own (STATIC_ROOT) so that a run never rewrites var/staticfiles.
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "var" / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]

# Private files (dossier attachments) never live under a public URL: there is no MEDIA_URL route.
PRIVATE_STORAGE_ROOT = Path(env("PRIVATE_STORAGE_ROOT", default=str(BASE_DIR / "var" / "private")))
# Archive packages of closed dossiers (manage.py archive_dossiers): private too, never under a public URL.
ARCHIVE_ROOT = Path(env("ARCHIVE_ROOT", default=str(BASE_DIR / "var" / "archive")))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_STORAGE_ROOT), "base_url": "/khong-cong-khai/"},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# STORAGE_BACKEND=s3: the private files in an S3-protocol object store (S3_BUCKET, S3_ENDPOINT_URL, …), never
# public; downloads streamed by the access-checked views, or PRIVATE_DOWNLOADS=presigned: a redirect to a URL
# signed for PRIVATE_DOWNLOAD_URL_SECONDS (60). The variables: core/storage.py.
_private_storage, PRIVATE_DOWNLOADS = private_storage_settings(env, location=PRIVATE_STORAGE_ROOT)
if _private_storage["BACKEND"] != STORAGES["default"]["BACKEND"]:
    STORAGES["default"] = _private_storage

# The development default logs who, the subject and the key of each e-mail, never its text (a citizen's name,
# address, dossier code, rating link). Production refuses any console backend (settings/prod.py).
EMAIL_BACKEND = env("EMAIL_BACKEND", default="core.backends.ConsoleEmailBackend")
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
    "requeue-notifications": {"task": "notifications.requeue_notifications", "schedule": 60.0},
    # Every working hour; the digest is written once a day per officer, prompts once per due time.
    "deadline-sweep": {
        "task": "notifications.deadline_sweep",
        "schedule": crontab(minute=5, hour="7-17"),
    },
    # The day's tracking book (form 07) of every desk, after closing time.
    "tracking-books": {"task": "printing.render_tracking_books", "schedule": crontab(minute=30, hour=18)},
    # Uploads parked by online submissions never confirmed: removed after ONECUA["PARKED_UPLOAD_HOURS"].
    "parked-uploads": {"task": "portal.remove_parked_uploads", "schedule": crontab(minute=40)},
    # The personal-data access log keeps ONECUA["ACCESS_LOG_DAYS"] days.
    "purge-access-log": {"task": "privacy.purge_access_log", "schedule": crontab(minute=15, hour=2)},
    # Feedback (PAKN) unanswered past its due time: flagged once, leaders told.
    "feedback-overdue": {"task": "feedback.flag_overdue", "schedule": crontab(minute=10, hour="7-17")},
    # Consultations between agencies unanswered past the reply-by time: flagged once, both agencies told.
    "consultations-overdue": {"task": "consultations.flag_overdue", "schedule": crontab(minute=20, hour="7-17")},
}

EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# Dotted path of the SMS backend: a class with send(*, phone, text, idempotency_key).
ONECUA_SMS_BACKEND = env("ONECUA_SMS_BACKEND", default="core.backends.ConsoleSMSBackend")

# Every handler masks phone and ID numbers, e-mail addresses and page tokens (onecua/logging_filters.py). Django's
# own "django" and "django.server" (runserver's request lines) loggers are redefined here so that their default,
# unfiltered handlers are dropped: "django" (django.request's 4xx/5xx lines with the path) goes to the root's.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_personal_data": {"()": "onecua.logging_filters.MaskPersonalData"},
                "request_id": {"()": "onecua.logging_filters.RequestIdFilter"}},
    "formatters": {
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}",
                          "style": "{"},
        # LOG_FORMAT=json (production's default, settings/prod.py): one JSON object per line with the request id.
        "json": {"()": "onecua.logging_filters.JsonFormatter"},
        "text": {"format": "%(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": env("LOG_FORMAT", default="text"),
                    "filters": ["mask_personal_data", "request_id"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server",
                          "filters": ["mask_personal_data", "request_id"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
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
    "PROCEDURE_PAGE_CONTEXT": ["reports.processing.procedure_page_context"],
    # The shared-cache versions of what the procedure page shows besides the catalog (a key, or a function of the
    # procedure's id giving one): its figures and its published answers. The page is kept while they all hold.
    "PROCEDURE_PAGE_VERSIONS": ["reports.processing.PROCESSING_GENERATION_KEY", "reports.processing.version_key",
                                "feedback.selectors.published_version_key"],
    "LOGIN_FAILURES_ALLOWED": env.int("LOGIN_FAILURES_ALLOWED", default=5),
    "LOGIN_LOCKOUT_MINUTES": env.int("LOGIN_LOCKOUT_MINUTES", default=15),
    # Registration: posts per client address per hour; one notice ("someone registered with your address",
    # "your account was created") per address per this many minutes.
    "REGISTRATIONS_PER_HOUR": env.int("REGISTRATIONS_PER_HOUR", default=20),
    "ACCOUNT_NOTICE_INTERVAL_MINUTES": env.int("ACCOUNT_NOTICE_INTERVAL_MINUTES", default=60),
    "TRACK_LOOKUPS_PER_10_MIN": env.int("TRACK_LOOKUPS_PER_10_MIN", default=30),
    # Feedback and complaints (PAKN): working days to answer; submissions per client address per hour.
    "FEEDBACK_ANSWER_WORKING_DAYS": env.int("FEEDBACK_ANSWER_WORKING_DAYS", default=10),
    "CONSULTATION_REPLY_WORKING_DAYS": env.int("CONSULTATION_REPLY_WORKING_DAYS", default=5),
    "FEEDBACK_PER_HOUR": env.int("FEEDBACK_PER_HOUR", default=10),
    "PUBLIC_BASE_URL": env("PUBLIC_BASE_URL", default="http://127.0.0.1:8000"),
    "MAX_UPLOAD_BYTES": env.int("MAX_UPLOAD_BYTES", default=10 * 1024 * 1024),
    "MAX_FILES_PER_DOSSIER": env.int("MAX_FILES_PER_DOSSIER", default=30),
    "MAX_FILES_PER_SUPPLEMENT": env.int("MAX_FILES_PER_SUPPLEMENT", default=10),
    "ALLOWED_UPLOAD_TYPES": env.list("ALLOWED_UPLOAD_TYPES", default=["application/pdf", "image/jpeg", "image/png"]),
    # Deep checks of uploads (dossiers/uploads.py): a PDF stream may not decompress past the first limit, nor all
    # its streams together past the second; an image may not have more pixels (it is decoded and re-encoded).
    "MAX_PDF_STREAM_BYTES": env.int("MAX_PDF_STREAM_BYTES", default=50 * 1024 * 1024),
    "MAX_PDF_TOTAL_STREAM_BYTES": env.int("MAX_PDF_TOTAL_STREAM_BYTES", default=500 * 1024 * 1024),
    "MAX_IMAGE_PIXELS": env.int("MAX_IMAGE_PIXELS", default=50_000_000),
    # Online submission: uploads parked between the form and its confirmation are removed after this many hours;
    # a client may post the form with files this many times an hour.
    "PARKED_UPLOAD_HOURS": env.int("PARKED_UPLOAD_HOURS", default=24),
    "UPLOAD_POSTS_PER_HOUR": env.int("UPLOAD_POSTS_PER_HOUR", default=20),
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
    # Decision 766 (reports/indices.py): points and the rate (%) earning them. Publicity 18, progress 20 and
    # satisfaction 18 follow docs/domain.md §6; the split of the online-service and digitisation points is practice.
    "INDEX_766": {
        "published_complete": {"points": 12, "threshold": 100},
        "online_coverage": {"points": 6, "threshold": 80},
        # Progress group (20 points): dossiers on time 14, process steps on time 6 (reports/indices.py).
        "on_time": {"points": 14, "threshold": 100},
        "step_on_time": {"points": 6, "threshold": 100},
        "online_rate": {"points": 8, "threshold": 50},
        "online_payment": {"points": 7, "threshold": 50},
        "electronic_results": {"points": 7, "threshold": 80},
        "digitised_dossiers": {"points": 8, "threshold": 80},
        "digitised_results": {"points": 7, "threshold": 80},
        "data_reuse": {"points": 7, "threshold": 80},
        "satisfaction": {"points": 6, "threshold": 90},
        "ratings": {"points": 6, "threshold": 90},
        "pakn_on_time": {"points": 6, "threshold": 100},
    },
    # The public transparency page covers this many whole months before the current one.
    "PUBLIC_FIGURES_MONTHS": env.int("PUBLIC_FIGURES_MONTHS", default=12),
    # Personal data protection: the staff access log is kept this many days; closed dossiers keep their
    # personal data this many years after closing, then `archive_dossiers` moves it to ARCHIVE_ROOT.
    "ACCESS_LOG_DAYS": env.int("ACCESS_LOG_DAYS", default=730),
    "RETENTION_YEARS": env.int("RETENTION_YEARS", default=5),
    # Shown on the privacy notice (/quyen-rieng-tu/) as the data protection contact; empty: the desks only.
    "PRIVACY_CONTACT_EMAIL": env("PRIVACY_CONTACT_EMAIL", default=""),
}

# ---------------------------------------------------------------- sign-in through OpenID Connect (accounts/oidc.py)
# Citizens sign in through the national identity's single sign-on (or any OpenID Connect provider): authorization
# code flow with PKCE, state and nonce, the ID token checked against the provider's JWKS, endpoints discovered at
# ISSUER/.well-known/openid-configuration. The account is keyed by the personal identification number claim. Off
# (the sign-in page shows local accounts only) unless ISSUER and CLIENT_ID are set. Callback addresses to register
# at the provider: PUBLIC_BASE_URL + /tai-khoan/dinh-danh/ve/ (staff: /tai-khoan/dinh-danh/can-bo/ve/); after
# sign-out at the provider: PUBLIC_BASE_URL + /.
OIDC = {
    "CITIZEN": {
        "ISSUER": env("OIDC_ISSUER", default=""),
        "CLIENT_ID": env("OIDC_CLIENT_ID", default=""),
        "CLIENT_SECRET": env("OIDC_CLIENT_SECRET", default=""),
        "SCOPES": env("OIDC_SCOPES", default="openid profile email phone"),
        "LABEL": env("OIDC_LABEL", default=""),
        "CLAIM_ID_NUMBER": env("OIDC_CLAIM_ID_NUMBER", default="personal_id"),
        "CLAIM_NAME": env("OIDC_CLAIM_NAME", default="name"),
        "CLAIM_BIRTH_DATE": env("OIDC_CLAIM_BIRTH_DATE", default="birthdate"),
        "CLAIM_PHONE": env("OIDC_CLAIM_PHONE", default="phone_number"),
        "CLAIM_EMAIL": env("OIDC_CLAIM_EMAIL", default="email"),
    },
    # An organisation's provider for staff, mapped to existing users: the claim CLAIM equals the user's
    # USER_FIELD ("username" or "email"); memberships stay in the admin.
    "STAFF": {
        "ISSUER": env("OIDC_STAFF_ISSUER", default=""),
        "CLIENT_ID": env("OIDC_STAFF_CLIENT_ID", default=""),
        "CLIENT_SECRET": env("OIDC_STAFF_CLIENT_SECRET", default=""),
        "SCOPES": env("OIDC_STAFF_SCOPES", default="openid profile email"),
        "LABEL": env("OIDC_STAFF_LABEL", default=""),
        "CLAIM": env("OIDC_STAFF_CLAIM", default="preferred_username"),
        "USER_FIELD": env("OIDC_STAFF_USER_FIELD", default="username"),
    },
    # LABEL: the button's name on the sign-in page (empty: "Tài khoản định danh điện tử (VNeID)" / "Tài khoản của
    # cơ quan (cán bộ)", translated).
    "TIMEOUT_SECONDS": env.float("OIDC_TIMEOUT_SECONDS", default=5.0),
    "CLOCK_SKEW_SECONDS": env.int("OIDC_CLOCK_SKEW_SECONDS", default=60),
}
# Staff (members of an agency, or Django staff) are signed out after this many minutes without a request.
ONECUA["STAFF_IDLE_MINUTES"] = env.int("STAFF_IDLE_MINUTES", default=30)

# ---------------------------------------------------------------- signed electronic results (printing/)
# The root certificates a signed result must chain to: PEM or DER files, or directories of them, separated by
# commas. Production: the root certificate(s) of the certification authority that issued the agencies' signing
# certificates. The default is the directory where `load_demo` writes its demo CA (so `make run` verifies).
# An entry "storage:<folder or file>" names private storage (the local disk or the bucket), as the default does.
SIGNING_TRUST_ROOTS = env.list("SIGNING_TRUST_ROOTS", default=["storage:signing/trust-roots"])
# The passwords of the agencies' PKCS#12 files, by the name each certificate gives in the admin (an environment
# variable ONECUA_SIGNING_…, which wins over this mapping). Only the demo's is here; production sets variables.
SIGNING_KEY_PASSWORDS = {"ONECUA_SIGNING_DEMO_PASSWORD": "motcua-ky-so-demo"}
# The public verification page /xac-thuc/: checks per client address per 10 minutes, and the largest upload.
ONECUA["VERIFY_PER_10_MIN"] = env.int("VERIFY_PER_10_MIN", default=30)
ONECUA["VERIFY_MAX_BYTES"] = env.int("VERIFY_MAX_BYTES", default=ONECUA["MAX_UPLOAD_BYTES"])

# Online payment (payments/, per province): VNPAY's merchant integration. With the four VNPAY values unset and
# DEBUG on (the embedded default, `make run`), the gateway is the built-in simulator served at
# /thanh-toan/thu-nghiem/ with a demo merchant; unset in production, online payment is off (paid at the desk).
# Production refuses the demo merchant and the simulator (payments/checks.py). The IPN address to declare to
# VNPAY is PUBLIC_BASE_URL + /thanh-toan/ipn/vnpay/.
PAYMENTS = {
    # e.g. https://sandbox.vnpayment.vn/paymentv2/vpcpay.html and …/merchant_webapi/api/transaction (querydr).
    "VNPAY_PAY_URL": env("VNPAY_PAY_URL", default=""),
    "VNPAY_API_URL": env("VNPAY_API_URL", default=""),
    "VNPAY_TMN_CODE": env("VNPAY_TMN_CODE", default=""),
    "VNPAY_HASH_SECRET": env("VNPAY_HASH_SECRET", default=""),
    "VNPAY_ORDER_TYPE": env("VNPAY_ORDER_TYPE", default="other"),  # VNPAY's goods category for vnp_OrderType
    # A started payment may be paid for this long (vnp_ExpireDate); pending this long, the gateway is asked.
    "LIFETIME_MINUTES": env.int("PAYMENT_LIFETIME_MINUTES", default=15),
    "RECONCILE_AFTER_MINUTES": env.int("PAYMENT_RECONCILE_AFTER_MINUTES", default=15),
    # Serve the simulator: unset = only in the embedded default (DEBUG on, no gateway configured).
    "SIMULATOR": env.bool("PAYMENT_SIMULATOR", default=None),
    "HTTP_TIMEOUT_SECONDS": env.float("PAYMENT_HTTP_TIMEOUT_SECONDS", default=10.0),
}
# Payments still pending RECONCILE_AFTER_MINUTES after they were started: asked at the gateway (querydr).
CELERY_BEAT_SCHEDULE["reconcile-payments"] = {
    "task": "payments.reconcile_payments",
    "schedule": env.float("PAYMENT_RECONCILE_EVERY_SECONDS", default=5 * 60.0),
}

# ---------------------------------------------------------------- the open REST API (api/, /api/v1/)
# Other systems call it with OAuth 2.0 client credentials (django-oauth-toolkit: POST /o/token/); each client is an
# api.ApiClient bound to agencies and scopes. Errors are RFC 9457 problems (application/problem+json), also for
# what answers /api/ before the API's views: the middleware below wraps all but SecurityMiddleware (and, in
# production, WhiteNoise, which settings/prod.py puts right after it).
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                  "api.problems.ProblemDetailsMiddleware")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.oauth.ClientAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.oauth.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ClientRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser", "rest_framework.parsers.MultiPartParser",
                               "rest_framework.parsers.FormParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.problems.JSONOnly",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Một Cửa – API mở",
    "DESCRIPTION": (
        "Danh mục thủ tục hành chính và cơ quan (công khai), hồ sơ và luồng sự kiện cho các hệ thống được cấp "
        "quyền (OAuth 2.0 client credentials, mã truy cập tại /o/token/). Lỗi theo RFC 9457 "
        "(application/problem+json)."),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "DISABLE_DOCSTRING_DESCRIPTIONS": True,  # the code's docstrings are English notes; the schema says it in Vietnamese
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "DossierStateEnum": "dossiers.states.State",
        "TimelinessEnum": "dossiers.models.Timeliness",
        "ResultDeliveryEnum": "dossiers.models.ResultDelivery",
        "CopyKindEnum": "procedures.models.DocumentCopyKind",
    },
    # Swagger UI from this site (api/static/api/swagger-ui/): no CDN, and no call to the online validator.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}
# Named so that api's migrations can depend on it (the model is swappable); the toolkit's own default.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER = {
    "SCOPES": {
        "catalog:read": "Đọc danh mục thủ tục và cơ quan",
        "dossiers:read": "Đọc hồ sơ (kể cả dữ liệu cá nhân) và nhật ký xử lý",
        "dossiers:write": "Nộp hồ sơ trực tuyến và bổ sung hồ sơ",
    },
    "SCOPES_BACKEND_CLASS": "api.oauth.ClientScopes",  # a token's scopes are at most its client's
    "OAUTH2_VALIDATOR_CLASS": "api.oauth.ClientValidator",  # client credentials of an active client only
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("API_TOKEN_SECONDS", default=3600),
    # RFC 9700 (OAuth 2.0 Security BCP), which `check --deploy` asks for: only client credentials are used, so
    # every legacy behaviour is off; tokens are stored hashed, never taken from a query string.
    **{f"COMPLIANT_BCP_RFC9700_{gate}": True for gate in (
        "IMPLICIT_GRANT", "PASSWORD_GRANT", "PKCE_METHOD", "ACCESS_TOKEN_TRANSPORT", "AUTHZ_RESPONSE_ISS",
        "TOKEN_STORAGE", "REFRESH_TOKEN", "REDIRECT_URI_SCHEME", "REDIRECT_URI_MATCHING", "PKCE_REQUIRED")},
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}
ONECUA.update({
    # Requests per minute: a client without a limit of its own; the public endpoints per client address.
    "API_REQUESTS_PER_MINUTE": env.int("API_REQUESTS_PER_MINUTE", default=120),
    "API_ANONYMOUS_REQUESTS_PER_MINUTE": env.int("API_ANONYMOUS_REQUESTS_PER_MINUTE", default=60),
    "API_PAGE_SIZE": env.int("API_PAGE_SIZE", default=50),
    "API_MAX_PAGE_SIZE": env.int("API_MAX_PAGE_SIZE", default=200),
    # The event feed waits at most this long for transactions writing events to end (api/selectors.py).
    "API_FEED_LOCK_TIMEOUT_MS": env.int("API_FEED_LOCK_TIMEOUT_MS", default=200),
    # One page of the event feed looks through at most this many events (of every agency): bounded time per page.
    "API_FEED_SCAN_EVENTS": env.int("API_FEED_SCAN_EVENTS", default=2000),
})

# ---------------------------------------------------------------- the national portal (integrations/)
# National Public Service Portal (DVCQG): dossier events are pushed through an outbox, the catalog
# is pulled with `manage.py dvcqg_pull_catalog`. Off unless DVCQG_ENABLED; the default URL is the simulator's
# (`manage.py dvcqg_simulator --port 8765`). DVCQG_TRANSPORT: "session" (the adapter: sign-in reused for
# SESSION_REUSE_SECONDS), "gateway" (the province's KetNoiMotCuaQuocGia gateway, which signs in for us) or "oauth"
# (client credentials). Credentials only from the environment. A row the portal cannot be reached for is retried
# with back-off (RETRY_BASE_SECONDS doubling up to RETRY_MAX_SECONDS, without end); the other paths and their
# defaults: integrations/dvcqg/config.py.
DVCQG = {
    "ENABLED": env.bool("DVCQG_ENABLED", default=False),
    "TRANSPORT": env("DVCQG_TRANSPORT", default="session"),
    "URL": env("DVCQG_URL", default="http://127.0.0.1:8765"),
    "TIMEOUT_SECONDS": env.float("DVCQG_TIMEOUT_SECONDS", default=6.0),
    "AUTH_PATH": env("DVCQG_AUTH_PATH", default="/auth"),
    "INTEGRATION_PATH": env("DVCQG_INTEGRATION_PATH", default="/integration"),
    "SHARE_PATH": env("DVCQG_SHARE_PATH", default="/share"),
    "USERNAME": env("DVCQG_USERNAME", default=""),
    "PASSWORD": env("DVCQG_PASSWORD", default=""),
    "DSTCODE": env("DVCQG_DSTCODE", default=""),
    "MADONVI": env("DVCQG_MADONVI", default=""),
    "SESSION_REUSE_SECONDS": env.int("DVCQG_SESSION_REUSE_SECONDS", default=600),
    "OAUTH_TOKEN_PATH": env("DVCQG_OAUTH_TOKEN_PATH", default="/oauth/token"),
    "OAUTH_CLIENT_ID": env("DVCQG_OAUTH_CLIENT_ID", default=""),
    "OAUTH_CLIENT_SECRET": env("DVCQG_OAUTH_CLIENT_SECRET", default=""),
    "OAUTH_SCOPE": env("DVCQG_OAUTH_SCOPE", default=""),
    "RETRY_BASE_SECONDS": env.int("DVCQG_RETRY_BASE_SECONDS", default=30),
    "RETRY_MAX_SECONDS": env.int("DVCQG_RETRY_MAX_SECONDS", default=30 * 60),
    # A claimed row is someone else's for this long (longer than the send task's 5 min hard limit).
    "LEASE_SECONDS": env.int("DVCQG_LEASE_SECONDS", default=10 * 60),
    "CLAIM_SIZE": env.int("DVCQG_CLAIM_SIZE", default=20),
    "BATCH_SIZE": env.int("DVCQG_BATCH_SIZE", default=200),
    "REQUEUE_GRACE_SECONDS": env.int("DVCQG_REQUEUE_GRACE_SECONDS", default=60),
    # Sent rows are deleted this many days after delivery (their payloads hold the applicant's personal data).
    "KEEP_SENT_DAYS": env.int("DVCQG_KEEP_SENT_DAYS", default=30),
    # Dossiers the portal sends us (/can-bo/dong-bo-dvcqg/nhan-ho-so/): its bearer token (empty: the address
    # answers 404) and the desk that receives them (an agency identifier; empty: the procedure's first desk).
    "INBOUND_TOKEN": env("DVCQG_INBOUND_TOKEN", default=""),
    "INBOUND_DESK": env("DVCQG_INBOUND_DESK", default=""),
}
# Sync rows left pending (broker outage at commit, back-off over, a dead sender), every minute.
CELERY_BEAT_SCHEDULE["requeue-dvcqg"] = {"task": "integrations.requeue_sync_rows", "schedule": 60.0}
# The previous month's ratings summary (DongBoDanhGia), once per desk and month: daily, so a missed day 1 is caught up.
CELERY_BEAT_SCHEDULE["dvcqg-monthly-ratings"] = {
    "task": "integrations.push_monthly_ratings", "schedule": crontab(minute=20, hour=3)}

# ---------------------------------------------------------------- operations (ops/; docs/operations.md)
# X-Request-ID in and out, on every log record and on the Celery tasks a request sends; request time by view.
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                  "ops.tracing.RequestIdMiddleware")
MIDDLEWARE.insert(MIDDLEWARE.index("ops.tracing.RequestIdMiddleware") + 1, "ops.metrics.MetricsMiddleware")
ONECUA.update({
    # /metrics answers this bearer token, or these client addresses / networks; neither set: only with DEBUG.
    "METRICS_TOKEN": env("METRICS_TOKEN", default=""),
    "METRICS_ALLOWED_IPS": env.list("METRICS_ALLOWED_IPS", default=[]),
    "METRICS_CELERY_QUEUES": env.list("METRICS_CELERY_QUEUES", default=["celery"]),
    # Each part of /readyz (database, cache, broker, storage) answers within this many seconds or is down.
    "READY_TIMEOUT_SECONDS": env.float("READY_TIMEOUT_SECONDS", default=2.0),
    # A report is reused this long: a flood of probes checks each part at most once a second (ops/health.py).
    "READY_REUSE_SECONDS": env.float("READY_REUSE_SECONDS", default=1.0),
})
# The probes answer plain HTTP from the load balancer (no redirect to https); their Host must still be allowed.
SECURE_REDIRECT_EXEMPT = [r"^(healthz|readyz|metrics)$"]
