"""The electronic receipt (biên lai) of a paid payment, as a PDF laid out like the official forms
(templates/printing/base.html: the agency's header, the national motto, the embedded Liberation Serif)."""

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone, translation

from payments.formatting import amount_in_words, vnd
from payments.models import Payment
from printing.documents import date_line, font_context, html_to_pdf, keep_places_together


@dataclass(frozen=True)
class Receipt:
    pdf: bytes
    filename: str


def render_receipt(payment: Payment) -> Receipt:
    dossier = payment.dossier
    agency = dossier.receiving_agency
    with translation.override("vi"):
        html = render_to_string("payments/receipt.html", {
            **font_context(),
            "title": "BIÊN LAI THANH TOÁN TRỰC TUYẾN",
            "number": "",
            "payment": payment,
            "dossier": dossier,
            "agency": agency,
            "header_parent": keep_places_together(agency.parent.name) if agency.parent_id else "",
            "header_agency": keep_places_together(agency.name),
            "doc_number": payment.reference,
            "date_line": date_line(agency, payment.paid_at),
            "amount": vnd(payment.amount).replace(" đ", " đồng"),
            "amount_words": amount_in_words(payment.amount),
            "printed_at": timezone.now(),
        })
    return Receipt(html_to_pdf(html), f"bien-lai-{payment.reference}.pdf")
