"""The personal-data access log: a row for every staff opening of a dossier's personal data, none for a refused
one; kept ACCESS_LOG_DAYS days; read by inspectors and administrators over their scope only."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from dossiers import services
from privacy import tasks
from privacy.models import AccessKind, PersonalDataAccess
from privacy.services import access_record
from tests.builders import PDF_BYTES, T_ACT, T_RECEIVE, at, upload, vn

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(world):
    dossier = world.received()
    attachment = services.attachment_add(dossier=dossier, actor=world.user("clerk@desk"),
                                         uploaded=upload("to-khai.pdf", PDF_BYTES), document=dossier.documents.first())
    return dossier, attachment


def rows():
    return list(PersonalDataAccess.objects.order_by("id").values_list("user__username", "dossier_id", "kind", "detail",
                                                                       "client_address"))


# ---------------------------------------------------------------- writing
def test_the_staff_dossier_page_is_logged_with_the_client_address(client, world, filed):
    dossier, _ = filed
    client.force_login(world.user("clerk@desk"))
    response = client.get(reverse("workspace:detail", args=[dossier.pk]), REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    assert rows() == [("clerk.desk", dossier.pk, AccessKind.STAFF_PAGE, "", "10.1.2.3")]


def test_behind_a_trusted_proxy_the_client_address_is_the_forwarded_one(client, world, filed, settings):
    from accounts import ratelimit

    if not hasattr(ratelimit, "client_ip"):
        pytest.skip("accounts.ratelimit.client_ip is not in this tree: REMOTE_ADDR is logged")
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    dossier, _ = filed
    client.force_login(world.user("clerk@desk"))
    client.get(reverse("workspace:detail", args=[dossier.pk]), REMOTE_ADDR="10.0.0.1",
               HTTP_X_FORWARDED_FOR="198.51.100.9, 203.0.113.7")
    assert [row[-1] for row in rows()] == ["203.0.113.7"]


def test_a_form_pdf_is_logged_with_its_number(client, world, filed):
    dossier, _ = filed
    client.force_login(world.user("clerk@desk"))
    response = client.get(reverse("workspace:form_pdf", args=[dossier.pk, "01"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert rows() == [("clerk.desk", dossier.pk, AccessKind.FORM_PDF, "01", "127.0.0.1")]


def test_an_attachment_download_is_logged_with_the_attachment(client, world, filed):
    dossier, attachment = filed
    client.force_login(world.user("clerk@desk"))
    response = client.get(reverse("workspace:attachment", args=[dossier.pk, attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert rows() == [("clerk.desk", dossier.pk, AccessKind.ATTACHMENT, str(attachment.pk), "127.0.0.1")]


def test_the_tracking_book_export_logs_every_dossier_it_lists(client, world):
    first = world.received()
    second = world.received(at_time=T_RECEIVE + timedelta(hours=1))
    world.received(at_time=T_ACT)  # another day: not in the book
    client.force_login(world.user("clerk@desk"))
    response = client.get(reverse("workspace:book"), {"start": "10/03/2025", "end": "10/03/2025",
                                                     "agency": world.desk.pk})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert sorted(rows()) == sorted([("clerk.desk", first.pk, AccessKind.EXPORT, "07", "127.0.0.1"),
                                     ("clerk.desk", second.pk, AccessKind.EXPORT, "07", "127.0.0.1")])


@pytest.mark.parametrize("spec", ["clerk@other_desk", "officer@dept", "inspector@other_province"])
def test_a_refused_access_writes_no_row(client, world, filed, spec):
    dossier, attachment = filed
    client.force_login(world.user(spec))
    for url in (reverse("workspace:detail", args=[dossier.pk]), reverse("workspace:form_pdf", args=[dossier.pk, "01"]),
                reverse("workspace:attachment", args=[dossier.pk, attachment.pk])):
        assert client.get(url).status_code == 404
    assert rows() == []


def test_no_row_for_a_citizen_an_anonymous_visitor_or_a_form_not_issued(client, world, filed):
    dossier, attachment = filed
    urls = [reverse("workspace:detail", args=[dossier.pk]), reverse("workspace:attachment", args=[dossier.pk,
                                                                                                  attachment.pk])]
    for url in urls:
        assert client.get(url).status_code == 302  # to the sign-in page
    client.force_login(world.citizen)
    for url in urls:
        assert client.get(url).status_code == 404
    client.force_login(world.user("clerk@desk"))
    assert client.get(reverse("workspace:form_pdf", args=[dossier.pk, "03"])).status_code == 404  # not refused
    assert rows() == []


def test_the_service_refuses_an_unknown_kind_and_ignores_anonymous_actors(world, filed):
    from django.contrib.auth.models import AnonymousUser

    dossier, _ = filed
    with pytest.raises(ValueError):
        access_record(actor=world.user("clerk@desk"), dossier=dossier, what="peek")
    assert access_record(actor=AnonymousUser(), dossier=dossier, what="staff_page") is None
    assert rows() == []


def test_rows_older_than_the_retention_are_purged_by_the_periodic_task(world, filed, settings):
    dossier, _ = filed
    clerk = world.user("clerk@desk")
    settings.ONECUA = {**settings.ONECUA, "ACCESS_LOG_DAYS": 730}
    with time_machine.travel(vn(2023, 3, 1, 9), tick=False):
        old = access_record(actor=clerk, dossier=dossier, what="staff_page")
    with time_machine.travel(vn(2023, 4, 1, 9), tick=False):
        kept = access_record(actor=clerk, dossier=dossier, what="staff_page")
    with time_machine.travel(vn(2025, 3, 15, 9), tick=False):
        assert tasks.purge_access_log.delay().get() == 1
        assert tasks.purge_access_log.delay().get() == 0
    assert list(PersonalDataAccess.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not PersonalDataAccess.objects.filter(pk=old.pk).exists()


def test_the_purge_task_is_scheduled(settings):
    assert any(entry["task"] == "privacy.purge_access_log" for entry in settings.CELERY_BEAT_SCHEDULE.values())


# ---------------------------------------------------------------- the inspectors' page
def _log(world, dossier, spec: str, when, what="staff_page", detail=""):
    with time_machine.travel(when, tick=False):
        return access_record(actor=world.user(spec), dossier=dossier, what=what, detail=detail)


@pytest.fixture
def two_provinces(world):
    """An access to a dossier of each province (the other province's received at a desk of its own)."""
    from tests.factories import AgencyFactory

    desk_elsewhere = AgencyFactory(identifier="H62.01", name="Bộ phận Một cửa xã Ngoài", parent=world.other_province)
    world.procedure.agencies.add(desk_elsewhere)
    ours = world.received()
    theirs = world.submitted(agency=desk_elsewhere)
    _log(world, ours, "clerk@desk", vn(2025, 3, 11, 9, 5))
    _log(world, ours, "officer@dept", vn(2025, 3, 12, 14, 30), what="form_pdf", detail="01")
    stranger = world.user("clerk@desk")  # any staff user: the row is about the other province's dossier
    with time_machine.travel(vn(2025, 3, 12, 10), tick=False):
        access_record(actor=stranger, dossier=theirs, what="staff_page")
    return ours, theirs


def test_an_inspector_sees_only_accesses_to_dossiers_of_their_subtree(client, world, two_provinces):
    ours, theirs = two_provinces
    client.force_login(world.user("inspector@province"))
    response = client.get(reverse("privacy:access_log"))
    assert response.status_code == 200
    shown = [row.dossier_id for row in response.context["page"].object_list]
    assert shown == [ours.pk, ours.pk]
    body = response.content.decode()
    assert theirs.code not in body and ours.code in body
    assert "14:30 12/03/2025" in body and "Mẫu PDF 01" in body  # dd/mm/yyyy
    assert "0912000111" not in body and "079203001234" not in body  # never a phone or an ID number

    client.force_login(world.user("inspector@other_province"))
    page = client.get(reverse("privacy:access_log"))
    assert [row.dossier_id for row in page.context["page"].object_list] == [theirs.pk]


def test_an_administrator_reads_the_log_and_other_staff_do_not(client, world, two_provinces):
    client.force_login(world.user("admin@province"))
    assert client.get(reverse("privacy:access_log")).status_code == 200
    for spec in ("clerk@desk", "officer@dept", "leader@dept"):
        client.force_login(world.user(spec))
        assert client.get(reverse("privacy:access_log")).status_code == 404
    client.force_login(world.citizen)
    assert client.get(reverse("privacy:access_log")).status_code == 404


def test_filters_by_dossier_code_user_and_period(client, world, two_provinces):
    ours, _ = two_provinces
    client.force_login(world.user("inspector@province"))

    def shown(**query):
        response = client.get(reverse("privacy:access_log"), query)
        assert response.status_code == 200
        return [(row.dossier_id, row.kind) for row in response.context["page"].object_list]

    assert shown(ma=ours.code[-6:]) == [(ours.pk, "form_pdf"), (ours.pk, "staff_page")]
    assert shown(ma="KHONG-CO") == []
    assert shown(nguoi="officer.dept") == [(ours.pk, "form_pdf")]  # the user name
    assert shown(nguoi="cán bộ CLERK") == [(ours.pk, "staff_page")]  # the full name, any case
    assert shown(nguoi="khong-ai") == []
    assert shown(tu="12/03/2025", den="12/03/2025") == [(ours.pk, "form_pdf")]
    assert shown(tu="2025-03-11", den="2025-03-11") == [(ours.pk, "staff_page")]
    bad = client.get(reverse("privacy:access_log"), {"tu": "13/03/2025", "den": "12/03/2025"})
    assert bad.status_code == 400
    assert client.get(reverse("privacy:access_log"), {"tu": "31/02/2025"}).status_code == 400


def test_the_page_paginates_with_a_bounded_number_of_queries(client, world, django_assert_max_num_queries):
    dossiers = [world.received(at_time=T_RECEIVE + timedelta(minutes=i)) for i in range(3)]
    officers = [world.user(spec) for spec in ("clerk@desk", "officer@dept", "leader@dept")]
    now = timezone.now()
    PersonalDataAccess.objects.bulk_create(
        PersonalDataAccess(user=officers[i % 3], dossier=dossiers[i % 3], kind="staff_page",
                           at=now - timedelta(minutes=i)) for i in range(120))
    client.force_login(world.user("inspector@province"))
    client.get(reverse("privacy:access_log"))  # warm the session
    with django_assert_max_num_queries(8):
        first = client.get(reverse("privacy:access_log"))
    with django_assert_max_num_queries(8):
        last = client.get(reverse("privacy:access_log"), {"page": 3})
    assert first.status_code == last.status_code == 200
    assert first.context["page"].paginator.count == 120
    assert len(first.context["page"].object_list) == 50 and len(last.context["page"].object_list) == 20
    assert 'rel="next"' in first.content.decode()


def test_filters_are_kept_in_the_page_links(client, world):
    dossier = world.received()
    clerk = world.user("clerk@desk")
    PersonalDataAccess.objects.bulk_create(PersonalDataAccess(user=clerk, dossier=dossier, kind="staff_page")
                                           for _ in range(60))
    client.force_login(world.user("inspector@province"))
    body = client.get(reverse("privacy:access_log"), {"ma": dossier.code}).content.decode()
    assert f'href="?ma={dossier.code}&amp;page=2"' in body


def test_a_day_boundary_is_local_time(client, world):
    dossier = world.received()
    # 23:30 on 11/03 in Hồ Chí Minh city is 16:30 UTC: it belongs to 11/03, not 12/03.
    _log(world, dossier, "clerk@desk", vn(2025, 3, 11, 23, 30))
    client.force_login(world.user("inspector@province"))
    day11 = client.get(reverse("privacy:access_log"), {"tu": "11/03/2025", "den": "11/03/2025"})
    day12 = client.get(reverse("privacy:access_log"), {"tu": "12/03/2025", "den": "12/03/2025"})
    assert day11.context["page"].paginator.count == 1 and day12.context["page"].paginator.count == 0
    assert "23:30 11/03/2025" in day11.content.decode()


def test_the_staff_name_is_shown_never_a_phone_used_as_user_name(world):
    from tests.factories import UserFactory

    dossier = world.received()
    phone_user = UserFactory(username="0912345678", full_name="")
    with at(T_ACT):
        row = access_record(actor=phone_user, dossier=dossier, what="staff_page")
    assert row.user_label == "09******78"
    assert access_record(actor=world.user("clerk@desk"), dossier=dossier, what="staff_page").user_label == \
        "Cán bộ clerk@desk"
