"""The event feed: a poller following `next` receives every event of its feed once, in id order, without gaps or
repeats while new events are written — including on PostgreSQL when transactions commit out of id order."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction

from api.views import encode_position
from dossiers import services
from dossiers.models import DossierEvent
from tests.api.conftest import assert_problem, connect
from tests.builders import T_ACT, T_RECEIVE, T_SUBMIT, at

pytestmark = pytest.mark.django_db


def read(system, url="/api/v1/events/", **params):
    response = system.api.get(url, params or None)
    assert response.status_code == 200, response.content
    return response.json()


def expected_ids(*codes) -> list[int]:
    return list(DossierEvent.objects.filter(dossier__code__in=codes).order_by("id").values_list("id", flat=True))


def test_pages_follow_each_other_in_id_order(world):
    first, second = world.received(), world.processing()
    system = connect(world.desk)
    body = read(system, page_size=2)
    ids = [e["id"] for e in body["results"]]
    assert len(ids) == 2 and not body["caught_up"]
    while not body["caught_up"]:
        body = read(system, body["next"])
        ids += [e["id"] for e in body["results"]]
    assert ids == expected_ids(first.code, second.code)
    event = next(e for e in read(system)["results"] if e["action"] == "forward")
    assert event["dossier"] == second.code and event["to_agency"] == world.dept.identifier
    assert event["national_status_code"] == 4 and event["to_state"] == "processing"


def test_no_gap_and_no_repeat_while_events_arrive_between_polls(world):
    system = connect(world.desk)
    cursor_url, delivered, made = "/api/v1/events/?page_size=3", [], []
    for round_number in range(6):
        # Between two polls: a new dossier, and an action on an older one.
        moment = T_SUBMIT + timedelta(minutes=round_number)
        made.append(world.submitted(at_time=moment))
        if round_number >= 1:
            with at(T_RECEIVE + timedelta(minutes=round_number)):
                services.dossier_receive(dossier=made[round_number - 1], actor=world.user("clerk@desk"))
        body = read(system, cursor_url)
        delivered += [e["id"] for e in body["results"]]
        cursor_url = body["next"]
    while not body["caught_up"]:  # then drain what is left
        body = read(system, cursor_url)
        delivered += [e["id"] for e in body["results"]]
        cursor_url = body["next"]
    assert delivered == expected_ids(*[d.code for d in made])
    assert len(delivered) == len(set(delivered)) == 6 + 5


def test_an_empty_page_keeps_the_position(world):
    world.submitted()
    system = connect(world.desk)
    body = read(system)
    assert len(body["results"]) == 1 and body["caught_up"]
    again = read(system, body["next"])
    assert again["results"] == [] and again["cursor"] == body["cursor"] and again["caught_up"]
    world.received()
    assert [e["action"] for e in read(system, again["next"])["results"]] == ["submit", "receive"]


def test_events_of_other_agencies_do_not_hold_the_position_back(world):
    """Events the client may not see are passed over: its position moves to the last event read."""
    system = connect(world.desk)
    world.submitted(agency=world.other_desk)
    body = read(system)
    assert body["results"] == []
    top = DossierEvent.objects.order_by("-id").first().id
    assert body["cursor"] == encode_position(top)
    other_system = connect(world.other_desk)
    assert [e["id"] for e in read(other_system)["results"]] == [top]


def test_a_page_looks_through_a_bounded_number_of_events(world, settings):
    """With few events of its own among many, a client gets short (even empty) pages that are not the end."""
    settings.ONECUA = {**settings.ONECUA, "API_FEED_SCAN_EVENTS": 2}
    mine = world.submitted()
    for minute in range(1, 6):
        world.submitted(agency=world.other_desk, at_time=T_SUBMIT + timedelta(minutes=minute))
    last = world.received(submitted_at=T_SUBMIT + timedelta(minutes=7))
    system = connect(world.desk)
    (mine_event,) = expected_ids(mine.code)
    # Start just before this test's events (on PostgreSQL ids go on from earlier tests).
    pages, url = [], f"/api/v1/events/?cursor={encode_position(mine_event - 1)}"
    while True:
        body = read(system, url)
        pages.append([e["id"] for e in body["results"]])
        url = body["next"]
        if body["caught_up"]:
            break
    assert pages == [[mine_event], [], [], expected_ids(last.code)]  # 8 events, two looked at per page
    assert [i for page in pages for i in page] == expected_ids(mine.code, last.code)


def test_a_dossier_handed_to_the_client_later_joins_the_feed_from_the_hand_over(world):
    dept = connect(world.dept)
    dossier = world.received()
    body = read(dept)
    assert body["results"] == []
    with at(T_ACT):
        services.dossier_forward(dossier=dossier, actor=world.user("clerk@desk"), to_agency=world.dept)
    events = read(dept, body["next"])["results"]
    assert [(e["dossier"], e["action"]) for e in events] == [(dossier.code, "forward")]
    # Its earlier history is in the dossier's timeline, not replayed in the feed.
    timeline = dept.api.get(f"/api/v1/dossiers/{dossier.code}/").json()["events"]
    assert [e["action"] for e in timeline] == ["submit", "receive", "forward"]


def test_a_malformed_cursor_is_a_400_problem(world):
    system = connect(world.desk)
    for cursor in ("khong-hop-le", "ZTp4", "ZTotMQ", "=" * 8, "ZTox" * 9):
        assert_problem(system.api.get("/api/v1/events/", {"cursor": cursor}), 400, "validation-error")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_an_event_committed_after_a_later_one_is_not_skipped(world, settings):
    """Transaction A writes an event (smaller id) and commits only after transaction B's event (larger id): a
    feed that read B's event and moved past it would never see A's. The feed waits for A instead. (Two desks,
    so that B does not wait for A's rows: each desk has its own counters and figures.)"""
    settings.ONECUA = {**settings.ONECUA, "API_FEED_LOCK_TIMEOUT_MS": 300}
    slow, quick = world.submitted(agency=world.other_desk), world.submitted()
    slow_clerk, quick_clerk = world.user("clerk@other_desk"), world.user("clerk@desk")
    system = connect(world.desk, world.other_desk)
    start = read(system)
    assert len(start["results"]) == 2
    written, release = threading.Event(), threading.Event()
    failures = []

    def slow_writer():
        try:
            with transaction.atomic(), at(T_RECEIVE):
                services.dossier_receive(dossier=slow, actor=slow_clerk)
                written.set()
                assert release.wait(60)
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
            written.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    try:
        assert written.wait(30) and not failures
        with at(T_RECEIVE):
            services.dossier_receive(dossier=quick, actor=quick_clerk)
        quick_id = DossierEvent.objects.filter(dossier=quick).order_by("-id").first().id
        assert not DossierEvent.objects.filter(dossier=slow, action="receive").exists()  # not committed yet
        while_open = read(system, start["next"])
        # The open transaction holds the event table: the page waits, then gives nothing and keeps the position.
        assert while_open["results"] == [] and while_open["cursor"] == start["cursor"]
        assert not while_open["caught_up"]
    finally:
        release.set()
        thread.join(60)
    assert not failures
    after = read(system, start["next"])
    assert [(e["dossier"], e["action"]) for e in after["results"]] == [(slow.code, "receive"), (quick.code, "receive")]
    assert after["results"][0]["id"] < quick_id == after["results"][1]["id"]
    assert connection.vendor == "postgresql"
