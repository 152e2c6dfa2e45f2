"""What the dossier lifecycle tells the apps above it, without importing them.

Sent INSIDE the writing transaction (receivers write in the same transaction, so what they write can never
disagree with the dossier rows; nothing they write survives a rollback):

* `dossier_acted(dossier, action, event, details)`: after each action's event row (the outbox writes the
  applicant's message here: notifications/receivers.py; payments and printing listen too). `details` holds what
  the action carries beyond its event row (await_payment: the amount asked for).
* `appointments_moved(moves)`: a recomputation moved these appointments (a list of AppointmentMove).
* `dossier_figures_changed(changes)`: fields in FIGURE_FIELDS may have changed (the statistics summary).

Sent AFTER commit: `dossier_changed(dossier_id, action, from_state, to_state)` (surveys, caches).
"""

from datetime import datetime
from typing import NamedTuple

from django.dispatch import Signal

from dossiers.models import Dossier

dossier_acted = Signal()
appointments_moved = Signal()


# Sent after commit for every action: kwargs dossier_id, action, from_state, to_state.
dossier_changed = Signal()


# Sent INSIDE the writing transaction whenever fields in FIGURE_FIELDS may have changed: kwargs
# `changes`, a list of (before, after) dicts (before is None for a new dossier). Receivers (the statistics
# summary) write in the same transaction, so the figures can never disagree with the rows they count.
dossier_figures_changed = Signal()


def announce_figures(changes: list) -> None:
    changes = [(before, after) for before, after in changes if before != after]
    if changes:
        dossier_figures_changed.send(sender=Dossier, changes=changes)


class AppointmentMove(NamedTuple):
    """What the applicant's "appointment moved" message needs, read straight from the dossier rows."""

    dossier_id: int
    agency_id: int
    code: str
    applicant_name: str
    applicant_is_organisation: bool
    applicant_email: str
    applicant_phone: str
    procedure_name: str
    agency_name: str
    old_appointment: datetime
    new_appointment: datetime
