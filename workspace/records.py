"""Staff access to one dossier (shared by every staff view) and its records: events, attachment downloads."""


from django.http import Http404
from django.shortcuts import render

from accounts.decorators import staff_required
from core.storage import download_response
from dossiers.models import Attachment, Dossier
from dossiers.selectors import dossier_events, dossier_for_staff
from dossiers.uploads import EXTENSIONS, download_name
from privacy.services import access_record


def visible_or_404(request, pk: int) -> Dossier:
    """The dossier through the scoping selector, or 404 revealing nothing."""
    try:
        return dossier_for_staff(user=request.user, pk=pk)
    except Dossier.DoesNotExist as exc:
        raise Http404 from exc


@staff_required
def dossier_event_list(request, pk: int):
    dossier = visible_or_404(request, pk)
    return render(request, "dossiers/_events.html", {"dossier": dossier, "events": dossier_events(dossier=dossier)})


@staff_required
def attachment_download(request, pk: int, attachment_pk: int):
    dossier = visible_or_404(request, pk)
    try:
        attachment = dossier.attachments.select_related("document").get(pk=attachment_pk)
    except Attachment.DoesNotExist as exc:
        raise Http404 from exc
    access_record(actor=request.user, dossier=dossier, what="attachment", detail=str(attachment.pk), request=request)
    # The type detected at upload; the name from the checklist line, never the one the uploader chose.
    content_type = attachment.content_type if attachment.content_type in EXTENSIONS else "application/octet-stream"
    filename = download_name(document_name=attachment.document.name if attachment.document else "",
                             content_type=content_type)
    # Streamed, or a redirect to a short-lived pre-signed URL of the object store (PRIVATE_DOWNLOADS), after the
    # scope check above; never cached.
    try:
        return download_response(attachment.file, filename=filename, content_type=content_type)
    except FileNotFoundError as exc:
        raise Http404 from exc
