"""The electronic result of a leader's approval (a receiver of dossiers.signals.dossier_acted, connected in
PrintingConfig.ready, run INSIDE the approval's transaction).

The document signed is the officer's result PDF (the latest unsigned RESULT attachment), or, when there is none,
the decision the system renders from the proposal (templates/printing/decision.html). It is signed with the
competent agency's certificate (the agency whose leader approved), stored as a new RESULT attachment linked to
the approval's event (`signed_at` set) and the dossier gets `result_is_electronic`. Without a valid certificate,
or when the key does not open, no electronic result is made: the approval goes on, the reason is recorded
(ResultSignature, shown on the staff page) and logged without personal data.
"""

import hashlib
import logging

from django.urls import reverse
from django.utils import timezone

from core.links import absolute_url
from dossiers.attachments import store_attachment
from dossiers.models import Attachment, AttachmentPurpose
from dossiers.uploads import CheckedFile
from printing import keys
from printing.documents import agency_place, date_line, font_context, html_to_pdf, keep_places_together
from printing.models import NotSignedReason, ResultSignature, SigningOutcome
from printing.signing import Appearance, sign_pdf

logger = logging.getLogger(__name__)

DECISION_TITLE = "Thông báo kết quả giải quyết thủ tục hành chính"


def verification_url(key) -> str:
    """The public page that verifies the stored signed document `key` (its QR code)."""
    return absolute_url(reverse("printing:verify_stored", args=[key]))


def on_dossier_acted(sender, *, dossier, action, event, details=None, **kwargs) -> None:
    if action == "approve":
        sign_result(dossier, event)


def unsigned_result(dossier) -> Attachment | None:
    """The officer's result document: the latest RESULT attachment not signed yet."""
    return (Attachment.objects.filter(dossier=dossier, purpose=AttachmentPurpose.RESULT, signed_at__isnull=True)
            .order_by("-uploaded_at", "-id").first())


def render_decision(dossier, *, agency, signer_name: str, when) -> bytes:
    """The decision rendered from the proposal when the officer attached no document."""
    from django.template.loader import render_to_string

    html = render_to_string("printing/decision.html", {
        **font_context(), "title": DECISION_TITLE, "dossier": dossier, "procedure": dossier.procedure,
        "agency": agency, "proposal_note": dossier.proposal_note, "signer_name": signer_name,
        "header_parent": keep_places_together(agency.parent.name) if agency.parent_id else "",
        "header_agency": keep_places_together(agency.name), "date_line": date_line(agency, when),
        "verify_page": absolute_url(reverse("printing:verify")),
    })
    return html_to_pdf(html)


def _not_signed(record: ResultSignature, reason: str) -> ResultSignature:
    record.outcome, record.reason = SigningOutcome.NOT_SIGNED, reason
    record.save()
    return record


def sign_result(dossier, event) -> ResultSignature:
    agency = dossier.competent_agency
    leader = event.actor
    signer_name = (str(leader) if leader is not None else event.actor_label)[:255]
    when = timezone.now()
    record = ResultSignature(dossier=dossier, event=event, agency=agency, signer_name=signer_name)
    certificate = keys.valid_certificate_of(agency.pk, when)
    if certificate is None:
        logger.warning("No electronic result: agency %s has no valid signing certificate (dossier %s).",
                       agency.pk, dossier.pk)
        return _not_signed(record, NotSignedReason.NO_CERTIFICATE)
    record.certificate = certificate
    source = unsigned_result(dossier)
    try:
        signer = keys.signer_for(certificate)
        if source is not None:
            with source.file.open("rb") as handle:
                pdf = handle.read()
        else:
            pdf = render_decision(dossier, agency=agency, signer_name=signer_name, when=when)
        signed = sign_pdf(pdf, signer=signer, location=agency_place(agency),
                          reason=f"Phê duyệt kết quả giải quyết hồ sơ {dossier.code}",
                          appearance=Appearance(agency.name, signer_name, when, verification_url(record.key)))
    except keys.KeyProblem as problem:
        logger.error("No electronic result: the signing key of agency %s (certificate %s) does not open: %s.",
                     agency.pk, certificate.pk, problem.code)
        return _not_signed(record, NotSignedReason.KEY_UNAVAILABLE)
    except Exception:  # noqa: BLE001 - a PDF pyHanko cannot sign must not undo the approval
        logger.exception("No electronic result: signing failed (agency %s, dossier %s).", agency.pk, dossier.pk)
        return _not_signed(record, NotSignedReason.ERROR)
    record.attachment = _store(dossier, signed, leader=leader, event=event, when=when)
    record.outcome, record.signed_at, record.source = SigningOutcome.SIGNED, when, source
    record.save()
    dossier.result_is_electronic = True  # saved with the approval (the runner saves the changed columns)
    return record


def _store(dossier, signed: bytes, *, leader, event, when) -> Attachment:
    from django.core.files.base import ContentFile

    checked = CheckedFile(content_type="application/pdf", extension=".pdf", size=len(signed),
                          sha256=hashlib.sha256(signed).hexdigest(), content=ContentFile(signed))
    attachment = store_attachment(dossier, actor=leader, uploaded=ContentFile(signed, name=f"ket-qua-{dossier.code}.pdf"),
                                  checked=checked, document=None, purpose=AttachmentPurpose.RESULT, event=event)
    attachment.signed_at = when
    attachment.save(update_fields=["signed_at"])
    return attachment
