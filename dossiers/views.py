"""Staff views of one dossier's records: its events and its attachments (access-checked downloads)."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render

from accounts.selectors import is_staff_member

from .models import Attachment, Dossier
from .selectors import dossier_events, dossier_for_staff


def _visible(request, pk: int) -> Dossier:
    # The staff pages are for staff only; citizens follow their dossiers on the portal.
    if not is_staff_member(user=request.user):
        raise Http404
    try:
        return dossier_for_staff(user=request.user, pk=pk)
    except Dossier.DoesNotExist as exc:
        raise Http404 from exc


@login_required
def dossier_event_list(request, pk: int):
    dossier = _visible(request, pk)
    return render(request, "dossiers/_events.html", {"dossier": dossier, "events": dossier_events(dossier=dossier)})


@login_required
def attachment_download(request, pk: int, attachment_pk: int):
    dossier = _visible(request, pk)
    try:
        attachment = dossier.attachments.get(pk=attachment_pk)
    except Attachment.DoesNotExist as exc:
        raise Http404 from exc
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
