"""{% payment_panel dossier %}: the dossier's payments on the citizen's tracking page (amount, status, the button
to pay a due, the receipt once paid); {% payment_panel dossier staff=True %}: every attempt, for staff.
{{ amount|vnd }}: "1.500.000 đ". A page that loads the dossier with `payment_annotations()` (the tracking page)
spares the applicant's panel its query when the dossier has no payment."""

from django import template
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string

from payments import conf
from payments.formatting import vnd as format_vnd
from payments.models import Payment, PaymentStatus
from payments.selectors import all_payments, current_payments
from payments.services import PAYABLE_STATES

register = template.Library()
register.filter("vnd", format_vnd)


def payment_annotations() -> dict:
    """For the query that loads the dossier: whether the applicant's view has any payment (`current_payments`)."""
    return {"has_current_payments": Exists(Payment.objects.filter(dossier=OuterRef("pk"), retry__isnull=True))}


@register.simple_tag(takes_context=True)
def payment_panel(context, dossier, staff=False):
    if not staff and getattr(dossier, "has_current_payments", None) is False:
        return ""  # read with the dossier: no payment, no panel, no query
    payments = list(all_payments(dossier) if staff else current_payments(dossier))
    if not payments:
        return ""
    online = conf.current() is not None and dossier.state in PAYABLE_STATES
    rows = [{
        "payment": p,
        "can_pay": online and p.status in (PaymentStatus.PENDING, PaymentStatus.FAILED, PaymentStatus.EXPIRED),
        "again": p.status in (PaymentStatus.FAILED, PaymentStatus.EXPIRED),
    } for p in payments]
    return render_to_string("payments/staff_panel.html" if staff else "payments/panel.html", {
        "dossier": dossier, "rows": rows, "online": online, "csrf_token": context.get("csrf_token"),
        "closed": dossier.state not in PAYABLE_STATES,
        "due": sum(p.amount for p in payments if p.status != PaymentStatus.PAID and not staff),
    })
