"""Framework glue: the dossiers app announces what happened, the surveys app reacts (dependencies point one way)."""

import logging

from django.urls import reverse
from django.utils.translation import gettext as _

from core.links import absolute_url
from surveys.models import Via
from surveys.tokens import link_days, make_token

log = logging.getLogger(__name__)


def rating_url(dossier) -> str:
    """The absolute rating link sent with the result."""
    return absolute_url(reverse("surveys:link", args=[dossier.code, make_token(dossier_id=dossier.pk, via=Via.LINK)]))


def add_rating_link(sender, *, dossier, kind, **kwargs):
    """The result notification invites the applicant to rate (notifications.outbox.message_composing)."""
    if kind != "returned":
        return None
    url = rating_url(dossier)
    days = link_days()
    return {
        "lines": [_("Đánh giá mức độ hài lòng (đường dẫn có hiệu lực %(days)s ngày): %(url)s")
                  % {"days": days, "url": url}],
        "sms": _("Danh gia: %(url)s") % {"url": url},
    }


def score_indices_on_return(sender, *, dossier_id, action, **kwargs):
    """After a result is returned (dossiers.services.dossier_changed, after commit): the automatic indices."""
    if action != "return_result":
        return
    from surveys.services import indices_compute

    try:
        indices_compute(dossier_id=dossier_id)
    except Exception:  # noqa: BLE001 - the return is committed; a scoring failure must not turn it into an error
        log.exception("Could not score the evaluation indices of dossier %s; run `score_evaluation_indices`",
                      dossier_id)
