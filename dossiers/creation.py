"""Creating dossiers (online, or entered at the desk with their scans, received at once or not) and adding
files later: each a use case in one durable transaction."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput
from dossiers import permissions
from dossiers.attachments import (
    Upload,
    check_uploads,
    files_kept_only_on_commit,
    store_attachment,
    store_uploads,
)
from dossiers.models import (
    Attachment,
    AttachmentPurpose,
    Channel,
    Dossier,
    DossierDocument,
    ResultDelivery,
    figures_of,
)
from dossiers.runner import APPLICANT, announce, in_one_transaction, next_dossier_code, record_event
from dossiers.signals import announce_figures
from procedures.models import Agency, Procedure


# ---------------------------------------------------------------- creation
@dataclass
class ApplicantData:
    name: str
    id_number: str
    phone: str
    address: str = ""
    email: str = ""
    birth_date: object = None
    is_organisation: bool = False
    authorised_name: str = ""
    authorised_id_number: str = ""
    authorised_phone: str = ""


def dossier_create(*, procedure: Procedure, receiving_agency: Agency, channel: int, applicant: ApplicantData,
                   actor, request_text: str = "", provided_required_document_ids: Iterable[int] = (),
                   set_count: int = 1, uploads: Sequence["Upload"] = (),
                   applicant_user=None, submitted_at: datetime | None = None, requested_delivery: str = "") -> Dossier:
    """A new dossier in `submitted`: online by the applicant, or entered at the desk by a clerk, with its files
    (each checked before anything is written; a refused file creates nothing)."""
    if actor is not APPLICANT:
        permissions.check(user=actor, action="create_at_desk", agency_id=receiving_agency.pk)
    if not receiving_agency.is_one_stop_desk:
        raise InvalidInput(_("%(agency)s không phải là Bộ phận Một cửa.") % {"agency": receiving_agency})
    if not procedure.is_active:
        raise InvalidInput(_("Thủ tục này hiện không còn áp dụng."))
    if requested_delivery and requested_delivery not in ResultDelivery.values:
        raise InvalidInput(_("Hãy chọn hình thức nhận kết quả."))
    checked = check_uploads(uploads, already=0)
    now = submitted_at or timezone.now()
    # Ids of the procedure's RequiredDocument rows (at later steps, ids of the dossier's own checklist lines).
    provided = set(provided_required_document_ids) | {u.document_id for u in uploads if u.document_id}
    with files_kept_only_on_commit(), transaction.atomic():
        dossier = Dossier.objects.create(
            code=next_dossier_code(agency=receiving_agency, at=now),
            procedure=procedure,
            receiving_agency=receiving_agency,
            handling_agency=receiving_agency,
            competent_agency=receiving_agency,
            channel=channel,
            applicant_user=applicant_user,
            applicant_name=applicant.name,
            applicant_id_number=applicant.id_number,
            applicant_phone=applicant.phone,
            applicant_address=applicant.address,
            applicant_email=applicant.email,
            applicant_birth_date=applicant.birth_date,
            applicant_is_organisation=applicant.is_organisation,
            authorised_name=applicant.authorised_name,
            authorised_id_number=applicant.authorised_id_number,
            authorised_phone=applicant.authorised_phone,
            request_text=request_text or procedure.name,
            set_count=set_count,
            deadline_amount=procedure.deadline_amount,
            deadline_unit=procedure.deadline_unit,
            deadline_cutoff=procedure.cutoff_time,
            submitted_at=now,
            requested_delivery=requested_delivery,
        )
        DossierDocument.objects.bulk_create(
            DossierDocument(
                dossier=dossier,
                required_document=doc,
                position=doc.position,
                name=doc.name,
                copy_kind=doc.copy_kind,
                count=doc.count,
                mandatory=doc.mandatory,
                provided=doc.pk in provided,
            )
            for doc in procedure.documents.all()
        )
        announce_figures([(None, figures_of(dossier))])
        event = record_event(dossier, action="submit", actor=actor, from_state="", at=now,
                        note=Channel(channel).label)
        if uploads:
            lines = {line.required_document_id: line for line in dossier.documents.all()}
            store_uploads(dossier, actor=actor, uploads=uploads, checked=checked, event=event,
                           purpose=AttachmentPurpose.APPLICATION, lines=lines)
        announce(dossier, action="submit", event=event, from_state="")
    return dossier




def dossier_submit_online(*, procedure: Procedure, receiving_agency: Agency, applicant: ApplicantData,
                          uploads: Sequence[Upload], request_text: str = "", applicant_user=None,
                          requested_delivery: str = "") -> Dossier:
    """The applicant's online submission with its files, in one transaction."""
    with files_kept_only_on_commit():
        return in_one_transaction(lambda: dossier_create(
            procedure=procedure, receiving_agency=receiving_agency, channel=Channel.ONLINE, applicant=applicant,
            actor=APPLICANT, request_text=request_text, uploads=uploads, applicant_user=applicant_user,
            requested_delivery=requested_delivery))


def attachment_add(*, dossier: Dossier, actor, uploaded, document: DossierDocument | None = None,
                   purpose: str = "application") -> Attachment:
    """Store a checked file in private storage, linked to a checklist line (a scan added to a dossier later)."""
    if actor is not APPLICANT and not permissions.allowed(user=actor, action="answer_supplement", dossier=dossier):
        permissions.check(user=actor, action="upload", dossier=dossier)
    if document is not None and document.dossier_id != dossier.pk:
        raise InvalidInput(_("Giấy tờ không thuộc hồ sơ này."))
    (checked,) = check_uploads([Upload(uploaded)], already=dossier.attachments.count())
    with files_kept_only_on_commit(), transaction.atomic():
        return store_attachment(dossier, actor=actor, uploaded=uploaded, checked=checked, document=document,
                                 purpose=purpose)
