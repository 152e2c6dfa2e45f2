"""What one dossier adds to the statistics: pure functions, no database.

A dossier's figures (the FIGURE_FIELDS snapshot, see dossiers.models) map to a multiset of contributions, each a
+1 (or an amount) on one measure of one local day for the dossier's competent agency, receiving desk and
procedure. The summary table holds the sum of every dossier's contributions; a write replaces the old
contributions by the new ones (`delta`). Every figure of a report is a difference of two prefix sums over days:

- flows in a period [s, e] (received, resolved, withdrawn, ...) = sum over days ≤ e − sum over days < s;
- stocks at the end of day e (pending, pending overdue) = sum over days ≤ e of "in" minus "out" measures.

Dates are local dates in Asia/Ho_Chi_Minh. A dossier is *pending at the end of day d* when it was received on or
before d and resolved / withdrawn / stopped after d (or not yet); it is *overdue* then when its due time falls
on or before d (`due_at` < midnight after d) and its clock is not paused now, otherwise *within time*. The drill-down lists in
`reports.drilldown` use exactly these definitions on the base table, which is what makes cells equal lists.

Every contribution of a dossier goes to its *current* competent agency (Circular 01/2018, report II.06a: rows per
agency competent to decide; the receiving desk is a filter): the receiving desk until the desk hands the dossier
over, the agency it was handed to after that, the agency whose leader decided once decided (dossiers.services).
When a write changes the competent agency, `delta` moves all of the dossier's contributions, past days included,
so a report run later counts the dossier where it is decided, exactly as its drill-down list (which filters on
`competent_agency_id`) does.
"""

from collections import Counter
from datetime import date, datetime

from dossiers.models import MAX_SUPPLEMENTS_ON_TIME, PAUSED_STATES, Channel, State, Timeliness
from procedures.worktime import to_local

# While the clock is paused (PAUSED_STATES: supplement after receipt, financial obligation) the due time is not
# known yet: the dossier counts as within time; on resumption its due time moves by the paused working time
# (rule 7).

# The summary's measures (one integer column each).
MEASURES = (
    "received_online",     # received that day, submitted online
    "received_offline",    # received that day, in person or by public post
    "resolved_early",      # resolved that day, before the due day
    "resolved_on_time",    # resolved that day, on the due day, not after the due time
    "resolved_late",       # resolved that day, after the due time
    "resolved_days",       # sum of calendar days from receipt to result of those resolved that day
    "withdrawn",           # received dossiers withdrawn that day
    "stopped",             # stopped that day
    "refused",             # refused at reception that day (never received: outside the received identity)
    "overdue_began",       # pending dossiers whose due day is that day and that were still pending at its end
    "overdue_ended",       # those overdue dossiers resolved / withdrawn / stopped that day
    "late_766",            # received that day and late by Decision 766 (resolved late, or > 1 supplement request)
    "digitised",           # received that day, documents digitised and the result electronic
    "rated_very_satisfied",  # ratings given that day (overall satisfaction)
    "rated_satisfied",
    "rated_not_satisfied",
)
RATING_MEASURES = {2: "rated_very_satisfied", 1: "rated_satisfied", 0: "rated_not_satisfied"}

def local_date(moment: datetime | None) -> date | None:
    return to_local(moment).date() if moment is not None else None


def closed_at(f: dict) -> datetime | None:
    """When a received dossier stopped being pending: its result, or its withdrawal / stop."""
    if f["received_at"] is None:
        return None
    if f["resolved_at"] is not None:
        return f["resolved_at"]
    if f["state"] in (State.WITHDRAWN, State.STOPPED):
        return f["finished_at"]
    return None


def contributions(f: dict | None) -> Counter:
    """The contributions of one dossier's figures (None: a dossier that does not exist)."""
    out: Counter = Counter()
    if f is None:
        return out
    agency, desk, procedure = f["competent_agency_id"], f["receiving_agency_id"], f["procedure_id"]

    def add(moment_or_day, measure: str, amount: int = 1) -> None:
        day = moment_or_day if isinstance(moment_or_day, date) and not isinstance(moment_or_day, datetime) else (
            local_date(moment_or_day))
        out[(day, agency, desk, procedure, measure)] += amount

    state = f["state"]
    if state == State.REFUSED and f["finished_at"] is not None:
        add(f["finished_at"], "refused")
    received = f["received_at"]
    if received is None:
        return out
    received_day = local_date(received)
    add(received_day, "received_online" if f["channel"] == Channel.ONLINE else "received_offline")
    if f["supplement_count"] > MAX_SUPPLEMENTS_ON_TIME or (f["resolved_at"] is not None
                                                          and f["timeliness"] == Timeliness.LATE):
        add(received_day, "late_766")
    if f["is_digitised"] and f["result_is_electronic"]:
        add(received_day, "digitised")
    if f["resolved_at"] is not None:
        resolved_day = local_date(f["resolved_at"])
        add(resolved_day, {Timeliness.EARLY: "resolved_early", Timeliness.ON_TIME: "resolved_on_time"}.get(
            f["timeliness"], "resolved_late"))
        add(resolved_day, "resolved_days", (resolved_day - received_day).days)
    elif state in (State.WITHDRAWN, State.STOPPED) and f["finished_at"] is not None:
        add(f["finished_at"], state)
    end = closed_at(f)
    if f["due_at"] is not None and state not in PAUSED_STATES:
        due_day = local_date(f["due_at"])
        end_day = local_date(end)
        if end_day is None or due_day < end_day:
            add(due_day, "overdue_began")
            if end_day is not None:
                add(end_day, "overdue_ended")
    return out


def durations(f: dict | None) -> Counter:
    """The processing-time histogram entry of a resolved dossier: (month, competent agency, receiving desk,
    procedure, days) → 1."""
    out: Counter = Counter()
    if f is None or f["resolved_at"] is None or f["received_at"] is None:
        return out
    resolved_day = local_date(f["resolved_at"])
    days = (resolved_day - local_date(f["received_at"])).days
    key = (resolved_day.replace(day=1), f["competent_agency_id"], f["receiving_agency_id"], f["procedure_id"])
    out[(*key, days)] += 1
    return out


def delta(old: Counter, new: Counter) -> dict:
    """new − old, without the zero entries."""
    keys = set(old) | set(new)
    return {k: new.get(k, 0) - old.get(k, 0) for k in keys if new.get(k, 0) != old.get(k, 0)}


def rows_by_day(changes: dict) -> dict:
    """{(day, agency, desk, procedure, measure): n} → {(day, agency, desk, procedure): {measure: n}}."""
    rows: dict = {}
    for (*key, measure), n in changes.items():
        row = rows.setdefault(tuple(key), {})
        row[measure] = row.get(measure, 0) + n
    return rows
