"""The "Đồng bộ DVCQG" page: a refused message is parked with the portal's reason and sent again from the page;
an unmapped state is reported, not skipped; who sees what; pagination."""

import logging

import pytest
from django.urls import reverse

from dossiers import services
from integrations.models import StatusMapping, SyncKind, SyncRow, SyncStatus
from tests.builders import at, fresh
from tests.factories import UserFactory
from tests.integrations.walk import EXPECTED, T, submit, walk

pytestmark = pytest.mark.django_db
PAGE = "/can-bo/dong-bo-dvcqg/"


def test_the_page_lives_where_the_project_wires_it():
    assert reverse("integrations:sync") == PAGE


def test_a_refused_message_is_parked_with_the_portals_reason_and_holds_back_the_rest(
        world, run, dvcqg, client, django_capture_on_commit_callbacks):
    dossier = submit(world, run)
    dvcqg.reject_next(1, "Mã TTHC chưa được công bố trên CSDL quốc gia")
    walk(world, run, dossier)
    rows = list(SyncRow.objects.filter(dossier=dossier).order_by("id"))
    parked = rows[2]  # the reception's DongBoHoSoMC
    assert (parked.kind, parked.status) == (SyncKind.DOSSIER, SyncStatus.REJECTED)
    assert "Mã TTHC chưa được công bố" in parked.portal_message
    assert [r.status for r in rows[3:]] == [SyncStatus.PENDING] * (len(rows) - 3)
    assert dvcqg.history(dossier.code) == EXPECTED[:2]

    client.force_login(world.user("clerk@desk"))
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Cổng từ chối" in html and "Mã TTHC chưa được công bố trên CSDL quốc gia" in html
    assert reverse("integrations:retry", args=[parked.pk]) in html
    assert "chờ bản tin trước của hồ sơ" in html

    with at(T["return"]), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("integrations:retry", args=[parked.pk]))
    assert response.status_code == 302
    # The page's after-commit send ran in the request: everything went, in order.
    assert dvcqg.history(dossier.code) == EXPECTED
    assert set(SyncRow.objects.filter(dossier=dossier).values_list("status", flat=True)) == {SyncStatus.SENT}


def test_retry_all_refused_rows_of_a_desk(world, run, dvcqg, client, django_capture_on_commit_callbacks):
    dvcqg.reject_next(2)
    first, second = submit(world, run), submit(world, run)
    assert SyncRow.objects.filter(status=SyncStatus.REJECTED).count() == 2
    client.force_login(world.user("clerk@desk"))
    with at(T["receive"]), django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("integrations:retry_rejected"), {"noi-tiep-nhan": world.desk.pk})
    for dossier in (first, second):
        assert dvcqg.history(dossier.code) == EXPECTED[:2]


def test_skip_lets_the_dossiers_later_rows_go(world, run, dvcqg, client, django_capture_on_commit_callbacks):
    dossier = submit(world, run)
    dvcqg.reject_next(1, "Không chấp nhận")
    walk(world, run, dossier, until="receive")
    parked = SyncRow.objects.get(status=SyncStatus.REJECTED)
    client.force_login(world.user("clerk@desk"))
    with at(T["forward"]), django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("integrations:skip", args=[parked.pk]))
    parked.refresh_from_db()
    assert parked.status == SyncStatus.SKIPPED and "Bỏ qua bởi" in parked.last_error
    assert dvcqg.history(dossier.code) == [EXPECTED[0], EXPECTED[1], EXPECTED[3]]


def test_an_unmapped_state_is_reported_on_the_page_and_in_the_log_not_skipped(
        world, run, dvcqg, client, caplog, django_capture_on_commit_callbacks):
    StatusMapping.objects.filter(state="supplement_requested").delete()
    with caplog.at_level(logging.WARNING, logger="integrations.outbox"):
        dossier = walk(world, run, until="answer")
    assert any("supplement_requested" in r.getMessage() and dossier.code in r.getMessage() for r in caplog.records)
    unmapped = SyncRow.objects.filter(dossier=dossier, status=SyncStatus.UNMAPPED)
    assert unmapped.count() == 2 and "chưa được ánh xạ" in unmapped.first().last_error
    # The answer's rows (status 4 again) wait behind them: a later status never goes first.
    assert dvcqg.history(dossier.code) == EXPECTED[:6]

    client.force_login(world.user("clerk@desk"))
    html = client.get(PAGE).content.decode()
    assert 'id="sync-unmapped"' in html
    assert "Yêu cầu bổ sung, hoàn thiện" in html and "Chưa ánh xạ trạng thái" in html

    # Retry without a mapping: still reported, nothing sent.
    row = unmapped.order_by("id").first()
    client.post(reverse("integrations:retry", args=[row.pk]))
    assert SyncRow.objects.filter(dossier=dossier, status=SyncStatus.UNMAPPED).count() == 2
    # The administrator adds the mapping; one retry sends the dossier's backlog in order.
    StatusMapping.objects.create(state="supplement_requested", national_code=5)
    with at(T["return"]), django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("integrations:retry", args=[row.pk]))
    assert dvcqg.history(dossier.code) == EXPECTED[:10]


def test_an_action_specific_mapping_wins_over_the_states(world, run, dvcqg):
    StatusMapping.objects.create(state="processing", action="answer_supplement", national_code=2)
    dossier = walk(world, run, until="answer")
    assert dvcqg.history(dossier.code)[-2:] == [("DongBoHoSoMC", "2"), ("CapNhatTienDoHoSoMC", "2")]


def test_staff_see_their_desks_rows_only(world, run, dvcqg, client):
    mine = submit(world, run)
    other = run(T["submit"], world.submitted, at_time=T["submit"], agency=world.other_desk)
    client.force_login(world.user("clerk@other_desk"))
    html = client.get(PAGE).content.decode()
    assert other.code in html and mine.code not in html
    row = SyncRow.objects.filter(dossier=mine).first()
    assert client.post(reverse("integrations:retry", args=[row.pk])).status_code == 404
    client.force_login(world.user("inspector@province"))
    html = client.get(PAGE).content.decode()
    assert other.code in html and mine.code in html


def test_an_officer_sees_but_cannot_retry(world, run, dvcqg, client):
    dvcqg.reject_next(1)
    dossier = run(T["submit"], world.submitted, at_time=T["submit"], agency=world.desk)
    parked = SyncRow.objects.get(dossier=dossier, status=SyncStatus.REJECTED)
    from tests.factories import MembershipFactory

    officer = UserFactory(username="officer-at-desk")
    MembershipFactory(user=officer, agency=world.desk, role="officer")
    client.force_login(officer)
    html = client.get(PAGE).content.decode()
    assert dossier.code in html and reverse("integrations:retry", args=[parked.pk]) not in html
    client.post(reverse("integrations:retry", args=[parked.pk]))
    assert fresh(dossier) and SyncRow.objects.get(pk=parked.pk).status == SyncStatus.REJECTED


def test_citizens_and_strangers_get_404(world, client):
    assert client.get(PAGE).status_code == 302  # sign in first
    client.force_login(world.citizen)
    assert client.get(PAGE).status_code == 404


def test_the_page_filters_by_desk_and_state_and_paginates(world, run, dvcqg, client):
    dvcqg.down = True
    for _ in range(26):  # 52 rows
        submit(world, run)
    client.force_login(world.user("clerk@desk"))
    first = client.get(PAGE, {"trang-thai": "pending", "noi-tiep-nhan": world.desk.pk})
    assert first.status_code == 200
    html = first.content.decode()
    assert html.count('id="sync-row-') == 50 and "Trang 1/2" in html
    assert "trang-thai=pending" in html
    second = client.get(PAGE, {"trang-thai": "pending", "noi-tiep-nhan": world.desk.pk, "page": 2})
    assert second.content.decode().count('id="sync-row-') == 2
    assert client.get(PAGE, {"trang-thai": "sent"}).content.decode().count('id="sync-row-') == 0
    assert client.get(PAGE, {"trang-thai": "bogus", "noi-tiep-nhan": "²"}).status_code == 200


def test_the_page_counts_rows_per_desk_and_state(world, run, dvcqg, client):
    dvcqg.reject_next(1)
    run(T["submit"], world.submitted, at_time=T["submit"])
    run(T["submit"], world.submitted, at_time=T["submit"], agency=world.other_desk)
    client.force_login(world.user("inspector@province"))
    response = client.get(PAGE)
    by_desk = {agency.identifier: counts for agency, counts in response.context["by_desk"]}
    assert by_desk["H61.22.10"]["rejected"] == 1 and by_desk["H61.22.10"]["pending"] == 1
    assert by_desk["H61.22.11"]["sent"] == 2


def test_a_desk_only_action_needs_no_staff_page_for_the_portal(world, run, dvcqg):
    """The applicant's own claim of a dossier is nothing the portal needs."""
    dossier = submit(world, run)
    before = SyncRow.objects.count()
    run(T["receive"], services.dossier_claim, dossier=dossier, user=world.citizen)
    assert SyncRow.objects.count() == before


def test_the_admin_edits_the_status_mapping(client, db):
    from tests.factories import UserFactory as Users

    admin = Users(username="sieu-quan-tri", is_staff=True, is_superuser=True)
    client.force_login(admin)
    listing = client.get("/admin/integrations/statusmapping/")
    assert listing.status_code == 200 and "Ánh xạ trạng thái DVCQG".lower() in listing.content.decode().lower()
    assert StatusMapping.objects.count() == 10  # the seeded default
    response = client.post("/admin/integrations/statusmapping/add/", {
        "state": "processing", "action": "assign", "national_code": 4, "is_active": "on", "note": ""})
    assert response.status_code == 302
    assert StatusMapping.objects.filter(state="processing", action="assign").exists()


def test_a_mapping_changed_on_another_node_is_read_at_the_next_action(db):
    """Each process keeps the mapping's rows under the version held in the shared cache: another node's change
    (its signal replaces the version; here the row is updated without a signal in this process) is seen as soon
    as the version moves, with no waiting period."""
    from django.core.cache import cache

    from integrations.outbox import MAPPING_VERSION_KEY, national_code_for

    before = national_code_for("supplement_requested", "request_supplement")
    assert before is not None
    StatusMapping.objects.filter(state="supplement_requested").update(national_code=before + 1)
    assert national_code_for("supplement_requested", "request_supplement") == before  # this process's copy
    cache.set(MAPPING_VERSION_KEY, "changed-on-another-node", timeout=None)
    assert national_code_for("supplement_requested", "request_supplement") == before + 1
