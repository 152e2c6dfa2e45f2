"""Recompute due times of open dossiers after the calendar or a procedure's deadline changed (rule 8)."""

import logging
from dataclasses import dataclass

from django.db.models import Prefetch

from procedures.calendars import build_calendar

from .models import OPEN_STATES, ClockPause, Dossier
from .services import dossier_recompute_due

log = logging.getLogger(__name__)
CHUNK = 2000


@dataclass
class RecomputeSummary:
    checked: int = 0
    changed: int = 0


def recompute_open_dossiers(*, procedure_id: int | None = None, chunk: int = CHUNK) -> RecomputeSummary:
    qs = Dossier.objects.filter(state__in=OPEN_STATES, received_at__isnull=False)
    if procedure_id is not None:
        qs = qs.filter(procedure_id=procedure_id)
    summary = RecomputeSummary()
    calendars: dict[int, object] = {}
    last_pk = 0
    while True:
        batch = list(
            qs.filter(pk__gt=last_pk)
            .select_related("receiving_agency")
            .prefetch_related(Prefetch("pauses", queryset=ClockPause.objects.order_by("started_at")))
            .order_by("pk")[:chunk]
        )
        if not batch:
            break
        for dossier in batch:
            agency = dossier.receiving_agency
            if agency.pk not in calendars:
                calendars[agency.pk] = build_calendar(agency=agency)
            summary.checked += 1
            summary.changed += dossier_recompute_due(dossier=dossier, calendar=calendars[agency.pk])
        last_pk = batch[-1].pk
    log.info("Recomputed due times: %s checked, %s changed", summary.checked, summary.changed)
    return summary
