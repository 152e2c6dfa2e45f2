"""The staff queue's cheaper page (issue 22): the tabs counted in one statement, the 25 rows read ids first then
with their names only — and the same dossiers, in the same order, with the same counts as the plain querysets."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dossiers.models import Dossier
from dossiers.selectors import QUEUES, dossiers_visible_to, queue_dossiers, queue_page, staff_queues
from tests.builders import T_ACT, T_SUBMIT

pytestmark = pytest.mark.django_db


def clone(template: Dossier, count: int, **changes) -> None:
    """`count` copies of a dossier (raw rows, as a busy desk has them), each `changes` applied with its index."""
    rows = []
    for i in range(count):
        values = {f.attname: getattr(template, f.attname) for f in Dossier._meta.concrete_fields if not f.primary_key}
        values.update({name: value(i) if callable(value) else value for name, value in changes.items()})
        rows.append(Dossier(**values))
    Dossier.objects.bulk_create(rows)


@pytest.fixture
def busy(world):
    """A desk with 60 online dossiers to check (submitted at shuffled times, some at the same minute) and an
    officer's agency with 40 in processing, due at shuffled times (some none, some the same)."""
    submitted = world.submitted()
    clone(submitted, 60, code=lambda i: f"Q-S-{i}", submitted_at=lambda i: T_SUBMIT + timedelta(minutes=(i * 37) % 23))
    processing = world.processing()
    clone(processing, 40, code=lambda i: f"Q-P-{i}",
          due_at=lambda i: None if i % 9 == 0 else T_ACT + timedelta(hours=(i * 13) % 17 - 8))
    return world


@time_machine.travel(T_ACT, tick=False)
@pytest.mark.parametrize("spec", ["clerk@desk", "officer@dept", "leader@dept"])
def test_each_page_lists_the_queue_in_the_plain_order_and_the_counts_match(busy, spec):
    user = busy.user(spec)
    queues = staff_queues(user=user)
    assert queues, spec
    for queue, count in queues:
        plain = queue_dossiers(user=user, key=queue.key)
        assert count == plain.count() == dossiers_visible_to(user=user).filter(pk__in=plain.values("pk")).count()
        expected = list(plain.values_list("pk", flat=True))
        pages = [queue_page(plain, offset=offset, limit=25) for offset in range(0, max(count, 1), 25)]
        assert [d.pk for rows in pages for d in rows] == expected, queue.key
    assert any(count > 25 for _queue, count in queues)


@time_machine.travel(T_ACT, tick=False)
def test_the_tabs_are_counted_in_one_statement(busy, django_assert_num_queries):
    officer = busy.user("officer@dept")
    staff_queues(user=officer)  # memberships loaded once per request
    with django_assert_num_queries(1):
        counted = dict((q.key, n) for q, n in staff_queues(user=officer))
    assert set(counted) == {q.key for q in QUEUES if q.role == "officer"}
    assert counted["overdue"] > 0 and counted["assigned"] == 0


@time_machine.travel(T_ACT, tick=False)
def test_the_page_reads_only_what_the_rows_show_and_flags_overdue_rows(client, busy):
    officer = busy.user("officer@dept")
    client.force_login(officer)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("workspace:home"), {"q_key": "overdue"})
    assert response.status_code == 200
    rows = response.context["page"].object_list
    assert 0 < len(rows) <= 25 and all(d.is_overdue for d in rows)
    # The rows' query names the row's columns only (no applicant ID number, address or request text).
    row_query = next(q["sql"] for q in queries.captured_queries if '"dossiers_dossier"."id" IN (' in q["sql"])
    assert '"applicant_name"' in row_query and '"applicant_id_number"' not in row_query
    body = response.content.decode()
    assert body.count('class="overdue"') == len(rows)
    assert f'href="{reverse("workspace:detail", args=[rows[0].pk])}"' in body
    assert "0912000111" not in body  # phones masked


@time_machine.travel(T_ACT, tick=False)
def test_a_page_past_the_end_and_a_search_still_answer(client, busy):
    client.force_login(busy.user("clerk@desk"))
    last = client.get(reverse("workspace:home"), {"q_key": "to_check", "page": 99})
    assert last.status_code == 200 and last.context["page"].number == last.context["page"].paginator.num_pages
    found = client.get(reverse("workspace:home"), {"q_key": "to_check", "tim": "Q-S-7"})
    assert [d.code for d in found.context["page"].object_list] == ["Q-S-7"]
    assert found.context["page"].paginator.count == 1
