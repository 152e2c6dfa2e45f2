"""The automatic part of the nine evaluation indices (docs/domain.md §8): pure rules, no database.

Each index scores 2 / 1 / 0. The system scores five of them from the dossier itself; the other four
(agencies contacted, publicity, staff attitude, handling of complaints) are entered by people.
"""

from dossiers.models import Channel, Timeliness

_TIMELINESS_SCORE = {Timeliness.EARLY: 2, Timeliness.ON_TIME: 1, Timeliness.LATE: 0}


def _count_score(count: int) -> int:
    """None → 2, one → 1, more → 0 (used for late steps and for the applicant's return trips)."""
    return 2 if count <= 0 else 1 if count == 1 else 0


def total_time_score(timeliness: str) -> int | None:
    """(1) Total time against the deadline: early 2, on time 1, late 0; None when not judged (no deadline)."""
    return _TIMELINESS_SCORE.get(timeliness)


def step_time_score(late_steps: int) -> int:
    """(2) Each unit's time against its allotted time: the steps recorded late on the dossier's events."""
    return _count_score(late_steps)


def comebacks_score(*, supplement_count: int, desk_supplement_count: int) -> int:
    """(3) Times the applicant had to come back: every supplement request, at the desk or by the authority."""
    return _count_score(supplement_count + desk_supplement_count)


def one_stop_desk_score(*, is_one_stop_desk: bool) -> int:
    """(5) Received and returned at a one-stop desk: 2, otherwise 0."""
    return 2 if is_one_stop_desk else 0


def online_service_score(*, channel: int) -> int:
    """(9) Online service. Our rule: a dossier submitted online scores 2 (the service was used end to end);
    at the desk or by post it scores 1, because the applicant did not use the online service, which is
    neither a success nor a failure of it. Nothing scores 0 automatically: the system cannot tell a failing
    online service from the dossier alone."""
    return 2 if channel == Channel.ONLINE else 1


def automatic_scores(dossier, *, late_steps: int) -> dict[str, int | None]:
    return {
        "total_time": total_time_score(dossier.timeliness),
        "step_time": step_time_score(late_steps),
        "comebacks": comebacks_score(supplement_count=dossier.supplement_count,
                                     desk_supplement_count=dossier.desk_supplement_count),
        "one_stop_desk": one_stop_desk_score(is_one_stop_desk=dossier.receiving_agency.is_one_stop_desk),
        "online_service": online_service_score(channel=dossier.channel),
    }
