"""Absolute public links: the site's base URL and the tracking page printed on forms and sent in messages."""

import functools

from django.conf import settings
from django.urls import reverse


@functools.lru_cache(maxsize=1)
def _tracking_path() -> str:
    try:
        return reverse("portal:track")
    except Exception:  # noqa: BLE001 - the portal may not be installed; the home page still helps
        return "/"


def absolute_url(path: str) -> str:
    """A link for a message that leaves the site (e-mail, SMS, QR code): PUBLIC_BASE_URL + path."""
    return settings.ONECUA.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/") + path


def tracking_url(dossier) -> str:
    return absolute_url(f"{_tracking_path()}?ma={dossier.code}")
