"""The automatic part of the nine evaluation indices (docs/domain.md §8): pure rules, no database.

Each index scores 2 / 1 / 0. The system scores five of them from the dossier itself; the other four
(agencies contacted, publicity, staff attitude, handling of complaints) are entered by people.

Source: the nine indices and their 2 / 1 / 0 scale come from Decree 61/2018/NĐ-CP and Circular 01/2018/TT-VPCP,
repealed on 1 Jul 2025 with no confirmed successor under Decree 118 (docs/domain.md §10); the project keeps them.
Those texts do not give a machine rule for indices 5 and 9: the rules below are the project's, stated here.
"""

from dossiers.models import Channel, Timeliness
from procedures.models import OnlineLevel

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


def one_stop_desk_score(*, channel: int, is_one_stop_desk: bool) -> int:
    """(5) Handled through the one-stop desk, scored from the real submission channel: submitted online to a
    one-stop desk 2 (the desk's service reached without a trip); in person or by post at a one-stop desk 1;
    received anywhere else 0. Every dossier is received by a one-stop desk (dossiers.creation), so the channel is
    what tells dossiers apart."""
    if not is_one_stop_desk:
        return 0
    return 2 if channel == Channel.ONLINE else 1


_ONLINE_LEVEL_SCORE = {OnlineLevel.FULL: 2, OnlineLevel.PARTIAL: 1, OnlineLevel.NONE: 0}


def online_service_score(*, online_level: str) -> int:
    """(9) Provision of the online public service (cung cấp dịch vụ công trực tuyến), from the procedure's level
    under Decree 42/2022 (docs/domain.md §1): fully online (toàn trình) 2, partly online (một phần) 1, not offered
    0. It judges what the agency offers for the procedure, not what this applicant chose (index 5 does)."""
    return _ONLINE_LEVEL_SCORE.get(online_level, 0)


def automatic_scores(dossier, *, late_steps: int) -> dict[str, int | None]:
    return {
        "total_time": total_time_score(dossier.timeliness),
        "step_time": step_time_score(late_steps),
        "comebacks": comebacks_score(supplement_count=dossier.supplement_count,
                                     desk_supplement_count=dossier.desk_supplement_count),
        "one_stop_desk": one_stop_desk_score(channel=dossier.channel,
                                             is_one_stop_desk=dossier.receiving_agency.is_one_stop_desk),
        "online_service": online_service_score(online_level=dossier.procedure.online_level),
    }
