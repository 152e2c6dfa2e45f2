"""The staff queue's statements compiled once (core/compiled.py): the same answers as the querysets they come from
when the time, the page, the rows or the user's memberships change; and the page's rows, written by the view,
still escaped, masked and marked."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role, StaffMembership
from core.compiled import Compiled
from dossiers.models import Dossier
from dossiers.selectors import queue_dossiers, queue_rows, staff_queues
from tests.builders import T_ACT, T_RECEIVE, T_SUBMIT, at
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def counts(user, now):
    return {q.key: n for q, n in staff_queues(user=user, now=now)}


def test_a_kept_statement_answers_for_new_values_as_the_queryset_does(world):
    dossiers = [world.submitted() for _ in range(3)]
    statements = Compiled()
    by_code = lambda *codes: Dossier.objects.filter(code__in=codes).order_by("pk").values_list("pk")  # noqa: E731
    for chosen in (dossiers[:2], dossiers[1:], [dossiers[0], dossiers[2]]):
        rows = statements.rows(("codes", 2), by_code, [d.code for d in chosen])
        assert [pk for (pk,) in rows] == [d.pk for d in chosen]
    # A value the statement's text holds (a slice) cannot be kept: built each time, still right.
    sliced = lambda n: Dossier.objects.order_by("pk").values_list("pk")[:n]  # noqa: E731
    assert len(statements.rows("sliced", sliced, [1])) == 1
    assert len(statements.rows("sliced", sliced, [2])) == 2
    # Model instances with their select_related objects, converted as the ORM does (aware datetimes).
    (found,) = statements.instances("one", lambda pk: Dossier.objects.select_related("procedure").filter(pk=pk),
                                    [dossiers[1].pk])
    assert found == dossiers[1] and found.procedure.name == world.procedure.name
    assert found.submitted_at == Dossier.objects.get(pk=dossiers[1].pk).submitted_at


def test_a_statement_using_only_part_of_a_time_is_never_kept_with_a_frozen_value(world):
    """A build that keeps only the date of the time it is given (or its hour, its month) must not be kept with the
    probe's date frozen into it: each call answers for its own day."""
    from django.utils import timezone

    dossier = world.submitted()
    day = timezone.localdate(dossier.submitted_at)
    on_day = lambda t: Dossier.objects.filter(  # noqa: E731
        submitted_at__date=timezone.localdate(t)).values_list("pk")
    statements = Compiled()
    same_day = timezone.make_aware(timezone.datetime(day.year, day.month, day.day, 23, 0))
    next_day = same_day + timedelta(days=1)
    for _ in range(2):
        assert statements.rows("on_day", on_day, [same_day]) == [(dossier.pk,)]
        assert statements.rows("on_day", on_day, [next_day]) == []


def test_a_shape_is_built_twice_once_then_only_run():
    built = []

    def by_pk(pk):
        built.append(pk)
        return Dossier.objects.filter(pk=pk).values_list("pk")

    statements = Compiled()
    for pk in (5, 6, 7):
        assert statements.rows("by_pk", by_pk, [pk]) == []
    assert len(built) == 2 and 5 not in built  # two probes, then the kept text for 5, 6 and 7


@time_machine.travel(T_ACT, tick=False)
@pytest.mark.parametrize("spec", ["clerk@desk", "officer@dept", "leader@dept"])
def test_every_queue_statement_of_each_role_is_kept(client, world, spec):
    """Each role's counts and pages are statements the helper can keep (the time and the end of "due soon" are
    both parameters): none is compiled again at the next request."""
    from django.db import connections

    from dossiers.selectors import _QUEUE_STATEMENTS

    client.force_login(world.user(spec))
    for key in [q.key for q, _n in staff_queues(user=world.user(spec))] + ["all"]:
        assert client.get(reverse("workspace:home"), {"q_key": key}).status_code == 200
    shapes = _QUEUE_STATEMENTS._shapes[connections["default"]]
    assert shapes and all(shape is not None for shape in shapes.values())


def test_the_counts_follow_the_time_with_a_statement_compiled_once(world):
    """The overdue tab of the same user at two instants: the time is a parameter, not a part of the kept text."""
    dossier = world.processing()
    officer = world.user("officer@dept")
    due = Dossier.objects.get(pk=dossier.pk).due_at
    assert counts(officer, due - timedelta(minutes=1))["overdue"] == 0
    assert counts(officer, due + timedelta(minutes=1))["overdue"] == 1
    with CaptureQueriesContext(connection) as queries:
        counts(officer, due + timedelta(days=3))
    assert len(queries.captured_queries) == 1


def test_a_new_membership_changes_the_scope_of_the_kept_statements(client, world):
    """The statements are kept per scope: a clerk given a second desk sees its dossiers at the next request, one
    whose membership ends sees nothing any more."""
    world.submitted(agency=world.desk)
    other = world.submitted(agency=world.other_desk)
    clerk = world.user("clerk@desk")
    client.force_login(clerk)
    page = client.get(reverse("workspace:home"), {"q_key": "to_check"})
    assert page.context["page"].paginator.count == 1 and other.code not in page.content.decode()
    membership = MembershipFactory(user=clerk, agency=world.other_desk, role=Role.CLERK)
    page = client.get(reverse("workspace:home"), {"q_key": "to_check"})
    assert page.context["page"].paginator.count == 2 and other.code in page.content.decode()
    rows = queue_rows(user=type(clerk).objects.get(pk=clerk.pk), key="to_check", now=T_ACT, offset=0, limit=25)
    assert other.pk in [r.pk for r in rows]
    StaffMembership.objects.filter(pk=membership.pk).update(is_active=False)
    page = client.get(reverse("workspace:home"), {"q_key": "to_check"})
    assert page.context["page"].paginator.count == 1 and other.code not in page.content.decode()
    StaffMembership.objects.filter(user=clerk).update(is_active=False)
    assert client.get(reverse("workspace:home")).status_code == 404


@time_machine.travel(T_ACT, tick=False)
def test_every_page_of_a_queue_and_the_all_tab_match_the_queryset(client, world):
    for i in range(30):
        with at(T_SUBMIT + timedelta(minutes=i % 7)):
            world.submitted()
    clerk = world.user("clerk@desk")
    client.force_login(clerk)
    plain = list(queue_dossiers(user=clerk, key="to_check").values_list("code", flat=True))
    shown = []
    for number in (1, 2):
        page = client.get(reverse("workspace:home"), {"q_key": "to_check", "page": number})
        shown += [d.code for d in page.context["page"].object_list]
    assert shown == plain
    everything = client.get(reverse("workspace:home"), {"q_key": "all"})
    assert everything.context["page"].paginator.count == queue_dossiers(user=clerk, key=None).count() == 30


def test_the_rows_written_by_the_view_are_escaped_masked_and_marked(client, world):
    dossier = world.received()
    Dossier.objects.filter(pk=dossier.pk).update(applicant_name='<b>"Nộp" & Co</b>', applicant_phone="0912345678")
    client.force_login(world.user("clerk@desk"))
    with time_machine.travel(Dossier.objects.get(pk=dossier.pk).due_at + timedelta(hours=1), tick=False):
        body = client.get(reverse("workspace:home"), {"q_key": "to_hand_over"}).content.decode()
    assert "&lt;b&gt;&quot;Nộp&quot; &amp; Co&lt;/b&gt;" in body and '<b>"Nộp"' not in body
    assert "09******78" in body and "0912345678" not in body
    row = body[body.index(f'href="{reverse("workspace:detail", args=[dossier.pk])}"'):]
    row = row[:row.index("</tr>")]
    assert "(quá hạn)" in row and 'data-label="Trạng thái">Đã tiếp nhận<' in row


def test_the_queue_page_runs_a_bounded_number_of_queries(client, world, django_assert_max_num_queries):
    with at(T_RECEIVE):
        for _ in range(30):
            world.submitted()
    client.force_login(world.user("clerk@desk"))
    client.get(reverse("workspace:home"))
    # The session (in the database under the test settings), the user, the memberships, the tabs' counts, the
    # page's ids, its rows — no step query: none of the rows has a process.
    with django_assert_max_num_queries(6):
        assert client.get(reverse("workspace:home"), {"page": 2}).status_code == 200
