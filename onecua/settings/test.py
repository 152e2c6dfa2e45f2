"""Test settings: SQLite by default, PostgreSQL when DATABASE_URL is set."""

import tempfile
from pathlib import Path

from onecua.settings.base import *  # noqa: F403
from onecua.settings.base import STORAGES

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The sign-in lockout is off unless a test turns it on (settings.AXES_ENABLED = True; tests/accounts and
# tests/security do): axes refuses authenticate() without a request, which the test client's login() makes.
# Its attempts are database rows, so each test starts with none.
AXES_ENABLED = False
OTP_REQUIRED_FOR_ADMINS = False
# The staff idle timeout (accounts/sessions.py) is off: tests leap over hours with time-machine while signed in.
# tests/accounts/test_oidc_identity.py turns it on to test it.
ONECUA = {**ONECUA, "STAFF_IDLE_MINUTES": 0}  # noqa: F405
# /readyz computes its report afresh at each call (production reuses it for a second: ops/health.py).
ONECUA["READY_REUSE_SECONDS"] = 0
PRIVATE_STORAGE_ROOT = Path(tempfile.mkdtemp(prefix="onecua-test-private-"))
STORAGES = {**STORAGES, "default": {**STORAGES["default"], "OPTIONS": {"location": str(PRIVATE_STORAGE_ROOT)}}}
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
