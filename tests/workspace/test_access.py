"""Who sees a dossier: the staff views answer 404 outside the user's agencies; the scoping selector."""

import pytest
from django.urls import reverse

from dossiers import services
from dossiers.selectors import dossiers_visible_to
from tests.builders import PDF_BYTES, T_ACT, at, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(world):
    """A dossier received at the desk with one PDF attached."""
    dossier = world.received()
    attachment = services.attachment_add(
        dossier=dossier,
        actor=world.user("clerk@desk"),
        uploaded=upload("Tờ khai cấp bản sao.pdf", PDF_BYTES),
        document=dossier.documents.first(),
    )
    return dossier, attachment


def urls(dossier, attachment):
    return {
        "detail": reverse("workspace:detail", args=[dossier.pk]),
        "events": reverse("workspace:events", args=[dossier.pk]),
        "attachment": reverse("workspace:attachment", args=[dossier.pk, attachment.pk]),
    }


@pytest.mark.parametrize("view", ["detail", "events", "attachment"])
def test_anonymous_users_are_sent_to_the_login_page(client, filed, view):
    url = urls(*filed)[view]
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


@pytest.mark.parametrize(
    "spec", ["clerk@other_desk", "officer@other_desk", "inspector@other_province", "officer@dept"]
)
@pytest.mark.parametrize("view", ["detail", "events", "attachment"])
def test_staff_of_another_agency_get_404(client, world, filed, view, spec):
    client.force_login(world.user(spec))
    response = client.get(urls(*filed)[view])
    assert response.status_code == 404
    assert PDF_BYTES not in response.content


def test_a_citizen_gets_404_for_someone_else_s_dossier(client, world, filed):
    client.force_login(world.citizen)
    for url in urls(*filed).values():
        assert client.get(url).status_code == 404


def test_the_receiving_desk_sees_the_dossier_and_downloads_the_file(client, world, filed):
    dossier, attachment = filed
    client.force_login(world.user("clerk@desk"))
    page = client.get(urls(*filed)["detail"])
    assert page.status_code == 200
    text = page.content.decode()
    assert dossier.code in text
    assert "Đã tiếp nhận (mã 2)" in text
    assert "Tờ khai cấp bản sao.pdf" in text

    events = client.get(urls(*filed)["events"])
    assert events.status_code == 200
    assert "Trần Văn Nộp" not in events.content.decode()  # events only, no applicant data
    assert events.content.decode().count("<tr>") == 1 + 2  # header + submit + receive

    download = client.get(urls(*filed)["attachment"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    # Named after the checklist line (ASCII), never after the uploaded file (tests/security/test_uploads.py).
    assert download["Content-Disposition"] == 'attachment; filename="to-khai-cap-ban-sao.pdf"'
    assert download["Cache-Control"] == "private, no-store"


def test_an_attachment_of_another_dossier_is_404_even_through_a_visible_dossier(client, world, filed):
    _, foreign_attachment = filed
    own = world.received(agency=world.other_desk)
    client.force_login(world.user("clerk@other_desk"))
    response = client.get(reverse("workspace:attachment", args=[own.pk, foreign_attachment.pk]))
    assert response.status_code == 404


def test_a_province_inspector_sees_its_communes_dossiers(client, world, filed):
    dossier, _ = filed
    other_commune = world.received(agency=world.other_desk)
    inspector = world.user("inspector@province")
    assert set(dossiers_visible_to(user=inspector)) == {dossier, other_commune}
    assert not dossiers_visible_to(user=world.user("inspector@other_province")).exists()
    client.force_login(inspector)
    assert client.get(urls(*filed)["detail"]).status_code == 200


def test_a_commune_clerk_does_not_see_the_neighbour_commune(world, filed):
    dossier, _ = filed
    neighbour = world.received(agency=world.other_desk)
    assert list(dossiers_visible_to(user=world.user("clerk@desk"))) == [dossier]
    assert list(dossiers_visible_to(user=world.user("clerk@other_desk"))) == [neighbour]


def test_the_handling_agency_sees_the_dossier_after_a_forward_and_after_handing_it_back(client, world, filed):
    dossier, _ = filed
    officer = world.user("officer@dept")
    assert not dossiers_visible_to(user=officer).exists()

    with at(T_ACT):
        dossier = services.dossier_forward(
            dossier=dossier, actor=world.user("clerk@desk"), to_agency=world.dept
        )
    assert list(dossiers_visible_to(user=officer)) == [dossier]
    client.force_login(officer)
    assert client.get(urls(*filed)["attachment"]).status_code == 200

    with at(T_ACT):
        dossier = services.dossier_propose(dossier=dossier, actor=officer, outcome="approved", note="")
        dossier = services.dossier_approve(dossier=dossier, actor=world.user("leader@dept"))
    assert dossier.handling_agency == world.desk
    # The department keeps seeing a dossier it handled (its hand-overs are on the record).
    assert list(dossiers_visible_to(user=officer)) == [dossier]
    assert client.get(urls(*filed)["detail"]).status_code == 200


def test_a_citizen_sees_only_their_own_dossiers(world):
    own = world.submitted(applicant_user=world.citizen)
    world.submitted()
    neighbour = type(world.citizen).objects.create(username="hangxom", full_name="Hàng Xóm")
    world.submitted(applicant_user=neighbour)
    assert list(dossiers_visible_to(user=world.citizen)) == [own]


def test_visible_dossiers_are_one_query(world, django_assert_max_num_queries):
    for _ in range(3):
        world.received()
    clerk = world.user("clerk@desk")
    clerk = type(clerk).objects.get(pk=clerk.pk)
    with django_assert_max_num_queries(2):  # memberships, then the dossiers
        assert len(list(dossiers_visible_to(user=clerk))) == 3


@pytest.mark.parametrize("view", ["detail", "events", "attachment"])
def test_the_staff_pages_are_404_even_for_the_applicant_s_own_dossier(client, world, view):
    own = world.received()
    own.applicant_user = world.citizen
    own.save(update_fields=["applicant_user"])
    attachment = services.attachment_add(
        dossier=own, actor=world.user("clerk@desk"), uploaded=upload("a.pdf", PDF_BYTES), document=None
    )
    client.force_login(world.citizen)
    assert client.get(urls(own, attachment)[view]).status_code == 404


def test_the_events_table_speaks_vietnamese_not_action_codes(client, world, filed):
    client.force_login(world.user("clerk@desk"))
    body = client.get(urls(*filed)["events"]).content.decode()
    assert "Tiếp nhận hồ sơ" in body and ">receive<" not in body
