"""A hand-made month of dossiers whose report II.06a is counted by hand (EXPECTED)."""

from datetime import date

from dossiers.models import Channel
from tests.builders import vn

IN_PERSON, ONLINE, POST = Channel.IN_PERSON, Channel.ONLINE, Channel.POST
MARCH = (date(2025, 3, 1), date(2025, 3, 31))

# Columns: received total, online, in person + post, carried over | resolved total, early, on time, late |
# pending total, within time, overdue | withdrawn, stopped, refused.
# Rows per competent agency (Circular 01/2018, II.06a): every dossier the desks handed over to Sở Tài chính
# (H61.03) — resolved, stopped or still pending there — is on its row; the desks keep what they never handed over
# (pending at the desk, withdrawn before hand-over, refused at reception).
EXPECTED = {
    "H61.03": [12, 5, 4, 3, 6, 2, 2, 2, 5, 1, 4, 0, 1, 0],
    "H61.22.10": [3, 3, 0, 0, 0, 0, 0, 0, 2, 2, 0, 1, 0, 1],
    "H61.22.11": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
    "total": [15, 8, 4, 3, 6, 2, 2, 2, 7, 3, 4, 1, 1, 2],
}
# The totals filtered by receiving desk ("Nơi tiếp nhận"): what each desk received, whoever decides.
EXPECTED_BY_DESK = {
    "H61.22.10": [13, 7, 3, 3, 5, 2, 1, 2, 6, 3, 3, 1, 1, 1],
    "H61.22.11": [2, 1, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 1],
}


def scope(world) -> set[int]:
    """The agencies of the scenario: both desks and the department they hand over to."""
    return {world.desk.pk, world.other_desk.pk, world.dept.pk}


def build_march(script):
    """The procedure's deadline is 3 working days: received Mon 09:00 → due Thu 09:00. No holiday in March 2025.
    Resolving or stopping hands a dossier over to Sở Tài chính first (tests/reports/conftest.py), which decides."""
    s = script
    d1 = s.received(vn(2025, 2, 24, 9))                       # carried over, resolved late on 5 Mar
    s.resolve(d1, vn(2025, 3, 5, 10))
    d2 = s.received(vn(2025, 2, 26, 9), channel=IN_PERSON)    # carried over, still open: overdue (due 3 Mar)
    s.forward(d2, vn(2025, 2, 26, 10))
    d3 = s.received(vn(2025, 2, 20, 9))                       # finished before March: not in the report
    s.resolve(d3, vn(2025, 2, 24, 14))
    d4 = s.received(vn(2025, 3, 3, 9))                        # early
    s.resolve(d4, vn(2025, 3, 4, 14))
    d5 = s.received(vn(2025, 3, 3, 9), channel=IN_PERSON)     # on time: due day, before the due time
    s.resolve(d5, vn(2025, 3, 6, 8, 30))
    d6 = s.received(vn(2025, 3, 3, 9))                        # late
    s.return_result(s.resolve(d6, vn(2025, 3, 7, 10)), vn(2025, 3, 7, 11))
    d7 = s.received(vn(2025, 3, 10, 9))                       # pending, overdue since 13 Mar
    s.forward(d7, vn(2025, 3, 10, 10))
    s.received(vn(2025, 3, 28, 9))                            # pending, due 2 Apr: within time
    d9 = s.received(vn(2025, 3, 5, 9))                        # withdrawn
    s.withdraw(d9, vn(2025, 3, 6, 10))
    d10 = s.received(vn(2025, 3, 5, 9), channel=POST)         # stopped
    s.stop(d10, vn(2025, 3, 7, 10))
    s.refuse(s.submit(vn(2025, 3, 12, 9)), vn(2025, 3, 12, 10))  # refused at reception: never received
    s.submit(vn(2025, 3, 31, 10))                              # submitted, not yet received: not counted
    s.received(vn(2025, 3, 31, 16))                           # pending, within time
    d14 = s.received(vn(2025, 2, 25, 9), channel=IN_PERSON)   # carried over, resolved in April: overdue at end
    s.resolve(d14, vn(2025, 4, 3, 10))
    d15 = s.received(vn(2025, 3, 10, 9), channel=IN_PERSON)   # paused for a supplement: within time
    s.supplement(s.forward(d15, vn(2025, 3, 10, 10)), vn(2025, 3, 11, 10))
    d16 = s.received(vn(2025, 2, 27, 9))                      # withdrawn in February: not in the report
    s.withdraw(d16, vn(2025, 2, 28, 9))
    d17 = s.received(vn(2025, 3, 31, 9))                      # early, on the last day
    s.resolve(d17, vn(2025, 3, 31, 15))
    d18 = s.received(vn(2025, 3, 4, 9), agency="other_desk")  # on time: exactly at the due time
    s.resolve(d18, vn(2025, 3, 7, 9))
    d19 = s.received(vn(2025, 3, 4, 9), agency="other_desk", channel=IN_PERSON)  # overdue
    s.forward(d19, vn(2025, 3, 4, 10))
    s.received(vn(2025, 4, 1, 9), agency="other_desk")        # after the period
    s.refuse(s.submit(vn(2025, 3, 20, 9), agency="other_desk"), vn(2025, 3, 21, 9))
    return script.world
