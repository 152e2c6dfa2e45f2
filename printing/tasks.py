"""Celery tasks of printing: the daily tracking books (form 07), each idempotent."""

from datetime import date

from celery import shared_task

from core.tasks import IDEMPOTENT
from printing.books import desks_with_receptions, today, tracking_book_store


@shared_task(name="printing.render_tracking_book", time_limit=10 * 60, soft_time_limit=9 * 60, **IDEMPOTENT)
def render_tracking_book(agency_id: int, day: str) -> str:
    """Form 07 of one desk for one day, stored in private storage (re-rendering replaces the file)."""
    return tracking_book_store(agency_id=agency_id, day=date.fromisoformat(day)).file.name


@shared_task(name="printing.render_tracking_books", time_limit=30 * 60, soft_time_limit=25 * 60, **IDEMPOTENT)
def render_tracking_books(day: str | None = None) -> int:
    """Fan out: one rendering task per desk that received dossiers on `day` (default today)."""
    the_day = date.fromisoformat(day) if day else today()
    agency_ids = desks_with_receptions(day=the_day)
    for agency_id in agency_ids:
        render_tracking_book.delay(agency_id, the_day.isoformat())
    return len(agency_ids)
