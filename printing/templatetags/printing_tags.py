"""{% result_panel dossier %} on the applicant's tracking page, {% result_panel dossier staff=True %} on the staff
dossier page: the signed electronic result (download, the "Xác thực" link, signer and time). Staff also read
whether the deciding agency has a valid signing certificate, and why a result was not signed.
A page that loads the dossier with `signed_result_annotations()` (the tracking page) spares the panel its query
when no signed result exists."""

from django import template
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone

from dossiers.states import OPEN_STATES
from printing.keys import valid_certificate_of
from printing.models import ResultSignature, SigningOutcome

register = template.Library()


def signed_result_annotations() -> dict:
    """For the query that loads the dossier: whether any signed result exists (`has_signed_result`)."""
    return {"has_signed_result": Exists(ResultSignature.objects.filter(
        dossier=OuterRef("pk"), outcome=SigningOutcome.SIGNED, attachment__isnull=False))}


@register.simple_tag(takes_context=True)
def result_panel(context, dossier, staff=False):
    if not staff and getattr(dossier, "has_signed_result", None) is False:
        return ""  # no signed result at all, so the latest record is not one: nothing to show, no query
    records = list(ResultSignature.objects.filter(dossier=dossier).select_related("agency", "attachment")
                   .order_by("-created_at", "-id")[:1])
    record = records[0] if records else None
    signed = record if record is not None and record.is_signed else None
    if not staff:
        if signed is None:
            return ""
        return render_to_string("printing/_result_panel.html", {"dossier": dossier, "signed": signed, "staff": False},
                                request=context.get("request"))
    if record is None and dossier.state not in OPEN_STATES:
        return ""
    # The agency whose certificate signs: the one that decided, or, before the decision, the one whose leader will.
    agency = record.agency if record is not None else dossier.handling_agency
    certificate = valid_certificate_of(agency.pk if agency else None, timezone.now())
    return render_to_string("printing/_result_panel.html", {
        "dossier": dossier, "signed": signed, "record": record, "staff": True, "agency": agency,
        "certificate": certificate}, request=context.get("request"))
