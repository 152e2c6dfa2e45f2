"""Framework glue: the dossiers app announces what happened, the surveys app reacts (dependencies point one way)."""

import logging

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from .tokens import make_token

log = logging.getLogger(__name__)


def rating_url(dossier, *, via: str = "link") -> str:
    """The absolute rating link for a dossier (built like dossiers.documents.tracking_url)."""
    base = settings.ONECUA.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    token = make_token(dossier_id=dossier.pk, via=via)
    return f"{base}{reverse('surveys:link', args=[dossier.code, token])}"


def add_rating_link(sender, *, dossier, kind, **kwargs):
    """The result notification invites the applicant to rate (dossiers.notifications.message_composing)."""
    if kind != "returned":
        return None
    url = rating_url(dossier)
    days = settings.ONECUA.get("RATING_TOKEN_DAYS", 30)
    return {
        "lines": [_("Đánh giá mức độ hài lòng (đường dẫn có hiệu lực %(days)s ngày): %(url)s")
                  % {"days": days, "url": url}],
        "sms": _("Danh gia: %(url)s") % {"url": url},
    }


def score_indices_on_return(sender, *, dossier_id, action, **kwargs):
    """After a result is returned (dossiers.services.dossier_changed, after commit): the automatic indices."""
    if action != "return_result":
        return
    from .services import indices_compute

    try:
        indices_compute(dossier_id=dossier_id)
    except Exception:  # noqa: BLE001 - the return is committed; a scoring failure must not turn it into an error
        log.exception("Could not score the evaluation indices of dossier %s; run `score_evaluation_indices`",
                      dossier_id)
