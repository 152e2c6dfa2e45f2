"""Two submissions of the same dossier's rating at once (the kiosk and the link): one rating, one follow-up,
one set of mails; the other gets the "already rated" message. PostgreSQL only (row locks)."""

import pytest
from django.db import connection

from core.errors import TransitionRefused
from notifications.models import Notification
from surveys import services
from surveys.models import FollowUp, Level, Rating, Via
from tests.builders import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL"),
]


def test_two_simultaneous_ratings_record_one(world):
    leader = world.user("leader@desk")
    leader.email = "lanhdao@example.vn"
    leader.save(update_fields=["email"])
    dossier = world.returned()
    ways = [Via.KIOSK, Via.LINK]
    results = race(8, lambda i, _x: services.rating_submit(
        dossier=dossier, overall=Level.NOT_SATISFIED, convenience=Level.SATISFIED, via=ways[i % 2]))
    oks = [r[1] for r in results if r[0] == "ok"]
    errors = [r[1] for r in results if r[0] == "error"]
    assert len(oks) == 1 and len(errors) == 7, results
    assert all(isinstance(e, TransitionRefused) and "chỉ được đánh giá một lần" in e.message for e in errors)
    assert Rating.objects.count() == 1 and FollowUp.objects.count() == 1
    assert Notification.objects.filter(kind="satisfaction_follow_up").count() == 1
