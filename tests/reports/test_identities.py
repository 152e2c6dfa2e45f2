"""Identities on random histories: whatever happens to dossiers, in any order, the summary equals a recount of
the base tables, received = resolved + pending + withdrawn + stopped, and every cell equals its list — per
competent agency, with or without the receiving desk filter, while hand-overs move dossiers between agencies."""

import random
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from core.errors import DossierError
from dossiers.models import OPEN_STATES, Channel, Dossier
from dossiers.recompute import recompute_open_dossiers
from procedures.models import CalendarException, CalendarExceptionKind
from procedures.worktime import TZ
from reports import drilldown, ii06a, tally
from reports.models import Tally
from surveys.services import rating_submit
from tests.builders import at, vn

START = date(2025, 2, 3)
DAYS = 50


def _moment(rng: random.Random):
    day = START + timedelta(days=rng.randrange(DAYS))
    return vn(day.year, day.month, day.day, rng.choice([7, 8, 9, 10, 14, 15, 16]), rng.choice([0, 30]))


# Where the desk hands a dossier over (the competent agency from then on), and whether that agency passes it on
# before the decision (the agency whose leader decides becomes the competent one). "desk": a centre that decides
# its own procedures (the competent agency stays the desk).
ROUTES = [None, None, ("dept",), ("dept",), ("province",), ("desk",), ("dept", "province"), ("province", "dept")]


def _route(script, d, rng: random.Random, when):
    route = rng.choice(ROUTES)
    if route is None or d.state != "received":
        return d, when
    first, *onward = route
    d = script.forward(d, when + timedelta(minutes=30), to=first if first != "desk" else script._desk(d))
    for to in onward:
        when += timedelta(days=rng.randrange(0, 3), hours=1)
        d = script.forward(d, when + timedelta(minutes=30), to=to)
    return d, when + timedelta(hours=1)


def _history(script, rng: random.Random, count: int):
    """`count` dossiers, each pushed through a random path at increasing random instants, some handed over to
    another agency (and some passed on again) before their decision, withdrawal or stop."""
    for _ in range(count):
        when = _moment(rng)
        d = script.submit(when, agency=rng.choice(["desk", "other_desk"]),
                          channel=rng.choice([Channel.ONLINE, Channel.IN_PERSON, Channel.POST]))
        steps = rng.randrange(7)
        path = rng.choice(["resolve", "resolve", "return", "withdraw", "stop", "refuse", "supplement", "open"])
        try:
            if path == "refuse":
                script.refuse(d, when + timedelta(hours=1))
                continue
            if steps == 0:
                continue
            when += timedelta(hours=rng.choice([1, 20, 48]))
            d = script.receive(d, when)
            d, when = _route(script, d, rng, when)
            for _ in range(rng.randrange(3) if path == "supplement" else 0):
                when += timedelta(days=rng.randrange(1, 4))
                d = script.supplement(d if d.state != "received" else script.forward(d, when), when)
                when += timedelta(days=rng.randrange(1, 6))
                if rng.random() < 0.7:
                    d = script.answer(d, when)
            when += timedelta(days=rng.randrange(0, 9), hours=rng.randrange(0, 8))
            if path in ("resolve", "return", "supplement") and d.state in ("received", "processing"):
                d = script.resolve(d, when, outcome=rng.choice(["approved", "approved", "declined"]))
                if path == "return":
                    d = script.return_result(d, when + timedelta(hours=2))
                    if rng.random() < 0.7:
                        with at(when + timedelta(hours=3)):
                            rating_submit(dossier=d, overall=rng.choice([0, 1, 2]), convenience=1, via="kiosk")
            elif path == "withdraw":
                script.withdraw(d, when)
            elif path == "stop" and d.state in ("received", "processing"):
                script.stop(d, when)
        except DossierError:
            # A random instant may fall where an action is refused (e.g. before working hours); that is fine.
            pass


def _check(world, rng: random.Random):
    assert tally.differences() == []
    call_command("rebuild_figures", "--check", stdout=StringIO())  # SystemExit if any row differs
    assert Tally.objects.exists()
    everyone = {world.desk.pk, world.other_desk.pk, world.dept.pk, world.province.pk}
    scopes = [{world.desk.pk}, {world.other_desk.pk}, {world.dept.pk}, {world.province.pk},
              {world.desk.pk, world.other_desk.pk}, everyone, everyone]
    desks = [None, None, {world.desk.pk}, {world.other_desk.pk}]
    for _ in range(6):
        start = START + timedelta(days=rng.randrange(-5, DAYS))
        end = start + timedelta(days=rng.randrange(0, 40))
        ids, desk_ids = rng.choice(scopes), rng.choice(desks)
        grouping = rng.choice(["agency", "field", "procedure"])
        report = ii06a.report_ii06a(agency_ids=ids, start=start, end=end, grouping=grouping, desk_ids=desk_ids)
        # The desks partition what the scope counts: the totals filtered by each desk add up to the whole.
        by_desk = [ii06a.report_ii06a(agency_ids=ids, start=start, end=end, desk_ids={pk}).total.cells
                   for pk in (world.desk.pk, world.other_desk.pk)]
        if desk_ids is None:
            assert {k: by_desk[0][k] + by_desk[1][k] for k in ii06a.COLUMN_KEYS} == report.total.cells
        for row in [*report.rows, report.total]:
            c = row.cells
            assert c["received_total"] == c["resolved_total"] + c["pending_total"] + c["withdrawn"] + c["stopped"]
            assert c["received_total"] == c["received_online"] + c["received_offline"] + c["carried_over"]
            assert c["pending_total"] == c["pending_within"] + c["pending_overdue"]
            for column in ii06a.COLUMN_KEYS:
                assert c[column] >= 0
                assert drilldown.cell_count(agency_ids=ids, start=start, end=end, column=column,
                                            row_key=row.key, desk_ids=desk_ids) == c[column], (
                    start, end, row.key, column, desk_ids)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_histories_keep_every_identity(script, seed):
    rng = random.Random(seed)
    _history(script, rng, 24)
    # The random routes did take dossiers away from their desks, to more than one agency.
    world = script.world
    competent = set(Dossier.objects.filter(received_at__isnull=False).values_list("competent_agency_id", flat=True))
    assert len(competent - {world.desk.pk, world.other_desk.pk}) >= 2, competent
    _check(world, rng)


def test_a_new_day_off_moves_due_times_and_the_summary_follows(script):
    rng = random.Random(7)
    _history(script, rng, 20)
    # A day off on the due day of an open dossier: its due time (and maybe others') moves (rule 8).
    open_one = Dossier.objects.filter(state__in=OPEN_STATES, due_at__isnull=False).order_by("due_at").last()
    CalendarException.objects.create(date=open_one.due_at.astimezone(TZ).date(), kind=CalendarExceptionKind.DAY_OFF,
                                     note="Nghỉ đột xuất")
    with at(vn(2025, 3, 20, 9)):
        summary = recompute_open_dossiers()
    assert summary.changed > 0
    _check(script.world, rng)
