"""Batch rendering of the tracking book (form 07): a desk's day, stored as a PDF in private storage."""

from datetime import date

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from dossiers.models import Dossier
from dossiers.selectors import day_bounds
from printing.documents import render_tracking_book
from printing.models import TrackingBookFile
from procedures import worktime
from procedures.models import Agency


def today() -> date:
    return worktime.to_local(timezone.now()).date()


def desks_with_receptions(*, day: date) -> list[int]:
    start, end = day_bounds(day)
    return sorted(set(Dossier.objects.filter(received_at__gte=start, received_at__lt=end)
                      .values_list("receiving_agency_id", flat=True)))


def tracking_book_store(*, agency_id: int, day: date) -> TrackingBookFile:
    """Render and store; idempotent (the same day rendered again replaces the previous file)."""
    agency = Agency.objects.get(pk=agency_id)
    start, end = day_bounds(day)
    dossiers = list(Dossier.objects.filter(receiving_agency=agency, received_at__gte=start, received_at__lt=end)
                    .select_related("procedure", "competent_agency").order_by("book_entry_no", "received_at", "pk"))
    rendered = render_tracking_book(agency=agency, start=day, end=day, dossiers=dossiers)
    with transaction.atomic():
        book, _ = TrackingBookFile.objects.select_for_update().get_or_create(agency=agency, day=day)
        previous = book.file.name if book.file else ""
        book.file.save(rendered.filename, ContentFile(rendered.pdf), save=False)
        book.dossier_count, book.rendered_at = len(dossiers), timezone.now()
        book.save()
    if previous and previous != book.file.name:
        book.file.storage.delete(previous)
    return book
