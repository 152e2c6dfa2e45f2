"""Real races against PostgreSQL: threads, each with its own database connection, released by a barrier.

SQLite serialises writers on the whole file, so these tests only mean something on PostgreSQL (CI runs them
there); the sequential stale-copy cases run on every database in test_codes.py.
"""


import pytest
from django.db import connection

from core.errors import ConcurrentChange, DossierError
from dossiers import services
from dossiers.models import CounterKind, Dossier, DossierCounter, DossierEvent, State
from tests.builders import T_ACT, T_SUBMIT, at, fresh, race, values

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL"
    ),
]






def test_fifty_concurrent_submissions_get_fifty_consecutive_codes(world):
    # The first wave races to create the day's counter row.
    with at(T_SUBMIT):
        codes = values(race(50, lambda i, _: world.submitted(at_time=T_SUBMIT).code))
    assert sorted(codes) == [f"H61.22.10-250310-{n:04d}" for n in range(1, 51)]
    assert Dossier.objects.count() == 50
    assert DossierEvent.objects.filter(action="submit").count() == 50
    assert DossierCounter.objects.get(kind=CounterKind.CODE, agency=world.desk).last_value == 50

    # A second wave finds the day's counter row already there.
    with at(T_SUBMIT):
        more = values(race(50, lambda i, _: world.submitted(at_time=T_SUBMIT).code))
    assert sorted(more) == [f"H61.22.10-250310-{n:04d}" for n in range(51, 101)]


def test_fifty_concurrent_receipts_get_fifty_distinct_book_numbers(world):
    submitted = [world.submitted() for _ in range(50)]
    clerk = world.user("clerk@desk")
    with at(T_ACT):
        received = values(
            race(
                50,
                lambda i, d: services.dossier_receive(dossier=d, actor=clerk),
                prepare=lambda i: Dossier.objects.get(pk=submitted[i].pk),
            )
        )
    assert sorted(d.book_entry_no for d in received) == list(range(1, 51))
    assert Dossier.objects.filter(state=State.RECEIVED).count() == 50


def _one_winner(results):
    oks = [r[1] for r in results if r[0] == "ok"]
    errors = [r[1] for r in results if r[0] == "error"]
    assert len(oks) == 1 and len(errors) == 1, results
    assert isinstance(errors[0], DossierError), errors[0]
    return oks[0], errors[0]


def test_two_clerks_receiving_the_same_dossier_one_wins(world):
    dossier = world.submitted()
    clerks = [world.user("clerk@desk"), world.user("clerk@desk")]
    with at(T_ACT):
        results = race(
            2,
            lambda i, d: services.dossier_receive(dossier=d, actor=clerks[i]),
            prepare=lambda i: Dossier.objects.get(pk=dossier.pk),
        )
    winner, loser = _one_winner(results)
    assert isinstance(loser, ConcurrentChange)
    assert "vừa được người khác cập nhật" in loser.message
    after = fresh(dossier)
    assert (after.state, after.version, after.book_entry_no) == (State.RECEIVED, 1, 1)
    assert after.events.filter(action="receive").count() == 1
    assert DossierCounter.objects.get(kind=CounterKind.BOOK, agency=world.desk).last_value == 1


def test_receive_against_refuse_one_wins(world):
    dossier = world.submitted()
    clerk = world.user("clerk@desk")
    acts = [
        lambda d: services.dossier_receive(dossier=d, actor=clerk),
        lambda d: services.dossier_refuse(dossier=d, actor=clerk, reason="Không thuộc thẩm quyền"),
    ]
    with at(T_ACT):
        results = race(2, lambda i, d: acts[i](d), prepare=lambda i: Dossier.objects.get(pk=dossier.pk))
    winner, loser = _one_winner(results)
    assert isinstance(loser, ConcurrentChange) and "vừa được người khác cập nhật" in loser.message
    after = fresh(dossier)
    assert after.state == winner.state and after.version == 1
    assert list(after.events.values_list("action", flat=True)) == [
        "submit",
        "receive" if winner.state == State.RECEIVED else "refuse",
    ]


def test_two_officers_proposing_at_once_one_wins(world):
    dossier = world.processing()
    officer = world.user("officer@dept")
    outcomes = ["approved", "declined"]
    with at(T_ACT):
        results = race(
            2,
            lambda i, d: services.dossier_propose(
                dossier=d, actor=officer, outcome=outcomes[i], note="Lý do"
            ),
            prepare=lambda i: Dossier.objects.get(pk=dossier.pk),
        )
    winner, loser = _one_winner(results)
    assert isinstance(loser, ConcurrentChange)
    after = fresh(dossier)
    assert after.proposed_outcome == winner.proposed_outcome
    assert after.events.filter(action="propose").count() == 1
