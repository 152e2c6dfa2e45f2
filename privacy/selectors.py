"""Reads of the privacy app: the access log in an inspector's scope, everything held about a citizen, the
correction requests of a desk, and the closed dossiers due for archiving."""

from datetime import date, datetime

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Role
from accounts.scoping import staff_agency_ids
from dossiers.access import citizen_dossiers_q
from dossiers.models import TERMINAL_STATES, Attachment, Dossier
from dossiers.selectors import citizen_timeline, period_bounds
from notifications.models import Notification
from privacy.models import CorrectionRequest, CorrectionStatus, DossierArchive, PersonalDataAccess
from privacy.sections import dossier_sections

# Who reads the access log: inspectors and administrators, over their agencies' subtree.
ACCESS_LOG_ROLES = {Role.INSPECTOR, Role.ADMIN}
# Who handles correction requests: the clerks of the desk that received the dossier.
CORRECTION_ROLES = {Role.CLERK}


# ---------------------------------------------------------------- the access log
def access_log_agency_ids(*, user) -> set[int]:
    """The agencies whose dossiers' accesses the user may read (empty: no access to the page)."""
    return staff_agency_ids(user=user, roles=ACCESS_LOG_ROLES)


def access_log_rows(*, user, code: str = "", person: str = "", start: date | None = None,
                    end: date | None = None) -> QuerySet[PersonalDataAccess]:
    """Accesses to dossiers received, handled or decided in the user's scope, newest first, filtered by dossier
    code, staff member (name or user name) and local dates (inclusive)."""
    ids = access_log_agency_ids(user=user)
    if not ids:
        return PersonalDataAccess.objects.none()
    rows = PersonalDataAccess.objects.filter(
        Q(dossier__receiving_agency_id__in=ids) | Q(dossier__handling_agency_id__in=ids)
        | Q(dossier__competent_agency_id__in=ids))
    if code := code.strip():
        rows = rows.filter(dossier__code__icontains=code)
    if person := person.strip():
        rows = rows.filter(Q(user__full_name__icontains=person) | Q(user__username__icontains=person))
    if start is not None:
        rows = rows.filter(at__gte=period_bounds(start, start)[0])
    if end is not None:
        rows = rows.filter(at__lt=period_bounds(end, end)[1])
    return rows.select_related("user", "dossier").order_by("-at", "-id")


# ---------------------------------------------------------------- a citizen's own data
def own_dossiers(*, user) -> QuerySet[Dossier]:
    """The citizen's own dossiers (linked to the account, or bearing the personal identification number the
    account is keyed by), and only those."""
    if user is None or not user.is_authenticated:
        return Dossier.objects.none()
    return Dossier.objects.filter(citizen_dossiers_q(user))


def own_attachments(*, user) -> QuerySet[Attachment]:
    """The files of the citizen's dossiers still in private storage (archived ones have none)."""
    return (Attachment.objects.filter(dossier__in=own_dossiers(user=user)).exclude(file="")
            .select_related("dossier").order_by("dossier__submitted_at", "pk"))


def attachment_member(attachment: Attachment) -> str:
    """The name of the file in the citizen's ZIP."""
    name = attachment.original_name.replace("/", "_").replace("\\", "_") or "tep"
    return f"files/{attachment.dossier.code}/{attachment.pk}-{name}"


def _applicant(d: Dossier) -> dict:
    return {
        "name": d.applicant_name, "is_organisation": d.applicant_is_organisation,
        "id_number": d.applicant_id_number, "birth_date": d.applicant_birth_date, "address": d.applicant_address,
        "phone": d.applicant_phone, "email": d.applicant_email, "authorised_name": d.authorised_name,
        "authorised_id_number": d.authorised_id_number, "authorised_phone": d.authorised_phone,
    }


def _dossier(d: Dossier, sections: dict) -> dict:
    """The dossier as the citizen sees it (the keys of privacy.sections.BUILT_IN_DOSSIER_KEYS), then the sections
    other apps registered (privacy.sections; surveys: "rating")."""
    return {
        "code": d.code,
        "procedure": d.procedure.name,
        "receiving_agency": d.receiving_agency.name,
        "channel": str(d.get_channel_display()),
        "state": str(d.get_state_display()),
        "submitted_at": d.submitted_at, "received_at": d.received_at, "appointment_at": d.appointment_at,
        "resolved_at": d.resolved_at, "returned_at": d.returned_at, "finished_at": d.finished_at,
        "applicant": _applicant(d),
        "request_text": d.request_text,
        "documents": [{"name": doc.name, "provided": doc.provided} for doc in d.documents.all()],
        "attachments": [
            {"name": a.original_name, "content_type": a.content_type, "size": a.size, "sha256": a.sha256,
             "purpose": str(a.get_purpose_display()), "uploaded_at": a.uploaded_at,
             "file_in_zip": attachment_member(a) if a.file else None}
            for a in d.attachments.all()],
        "timeline": [{"at": at, "text": text} for at, text in citizen_timeline(dossier=d)],
        "notifications": [
            {"created_at": n.created_at, "sent_at": n.sent_at, "channel": str(n.get_channel_display()),
             "recipient": n.recipient, "subject": n.subject, "body": n.body}
            for n in d.applicant_notifications],
        **{name: values.get(d.pk) for name, values in sections.items()},
    }


def personal_data_of(*, user, now: datetime | None = None) -> dict:
    """Everything held about a signed-in citizen: the account, their dossiers (applicant fields, the timeline
    they see, the messages sent to them, the files' list, and the sections other apps registered: their rating)
    and their correction requests."""
    dossiers = list(
        own_dossiers(user=user).select_related("procedure", "receiving_agency")
        .prefetch_related(
            "documents",
            Prefetch("attachments", queryset=Attachment.objects.select_related("dossier").order_by("uploaded_at", "pk")),
            Prefetch("notifications", to_attr="applicant_notifications",
                     queryset=Notification.objects.filter(recipient_user__isnull=True).order_by("created_at", "pk")))
        .order_by("submitted_at", "pk"))
    sections = dossier_sections(dossiers)
    corrections = own_corrections(user=user).order_by("created_at", "pk")
    return {
        "generated_at": now or timezone.now(),
        "account": {"username": user.username, "full_name": user.full_name, "email": user.email,
                    "phone": user.phone, "personal_id": user.personal_id, "birth_date": user.birth_date,
                    "date_joined": user.date_joined, "last_login": user.last_login},
        "dossiers": [_dossier(d, sections) for d in dossiers],
        "correction_requests": [
            {"created_at": c.created_at, "dossier": c.dossier.code if c.dossier else None,
             "field": str(c.get_field_display()), "wrong_value": c.wrong_value, "correct_value": c.correct_value,
             "status": str(c.get_status_display()), "response": c.response, "handled_at": c.handled_at}
            for c in corrections],
    }


# ---------------------------------------------------------------- correction requests
def own_corrections(*, user) -> QuerySet[CorrectionRequest]:
    """The citizen's own correction requests, newest first."""
    return CorrectionRequest.objects.filter(user=user).select_related("dossier", "agency").order_by("-created_at",
                                                                                                     "-id")


def corrections_for_desk(*, user, status: str | None = CorrectionStatus.OPEN) -> QuerySet[CorrectionRequest]:
    """Requests about dossiers received at the user's desks (clerks), newest first."""
    ids = staff_agency_ids(user=user, roles=CORRECTION_ROLES)
    rows = CorrectionRequest.objects.filter(agency_id__in=ids)
    if status is not None:
        rows = rows.filter(status=status)
    return rows.select_related("dossier", "user", "handled_by").order_by("-created_at", "-id")


def may_handle_corrections(*, user) -> bool:
    return bool(staff_agency_ids(user=user, roles=CORRECTION_ROLES))


# ---------------------------------------------------------------- archiving
def dossiers_due_for_archive(*, before: datetime) -> QuerySet[Dossier]:
    """Closed dossiers (returned, refused, withdrawn, stopped) closed before `before` and not archived yet, oldest
    first; `closed_at` is annotated (the return for a returned dossier, the end for the others)."""
    archived = DossierArchive.objects.filter(dossier=OuterRef("pk"))
    return (Dossier.objects.filter(state__in=TERMINAL_STATES)
            .annotate(closed_at=Coalesce("returned_at", "finished_at"))
            .filter(closed_at__lt=before)
            .filter(~Exists(archived))
            .order_by("closed_at", "pk"))
