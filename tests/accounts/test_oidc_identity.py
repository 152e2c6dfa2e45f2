"""What an account keyed by a personal identification number (signed in through OpenID Connect) gets: the online
form prefilled and locked (tampered fields ignored), "Hồ sơ của tôi" by ID number (desk dossiers and dossiers as
the authorised person included); and the sessions: sign out everywhere, the staff idle timeout."""

import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from dossiers import services
from dossiers.models import Dossier
from tests.builders import PDF_BYTES, T_ACT, T_SUBMIT, at, upload
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PERSONAL_ID = "001090012345"


@pytest.fixture
def citizen(db):
    from datetime import date

    return UserFactory(username="dinh-danh-0001", personal_id=PERSONAL_ID, full_name="Nguyễn Văn An",
                       birth_date=date(1990, 9, 5), phone="0912345678", email="an.nguyen@example.vn")


def desk_dossier(world, *, id_number=PERSONAL_ID, **applicant):
    data = {"name": "Nguyễn Văn An", "id_number": id_number, "phone": "0912345678", **applicant}
    with at(T_SUBMIT):
        return services.dossier_create(
            procedure=world.procedure, receiving_agency=world.desk, channel=1,
            applicant=services.ApplicantData(**data), actor=world.user("clerk@desk"),
            provided_required_document_ids=[world.form.pk])


# ---------------------------------------------------------------- the online form
def test_the_form_is_prefilled_and_locked_and_tampered_identity_is_ignored(client, world, citizen, caplog):
    caplog.set_level(logging.DEBUG)
    client.force_login(citizen)
    url = reverse("portal:submit", args=[world.procedure.national_code])
    with at(T_SUBMIT):
        page = client.get(url)
    form = page.context["form"]
    for name in ("applicant_name", "applicant_id_number", "applicant_birth_date", "applicant_phone"):
        assert form.fields[name].disabled, name
    body = page.content.decode()
    assert 'value="Nguyễn Văn An"' in body and 'value="05/09/1990"' in body
    assert not form.fields["applicant_address"].disabled and not form.fields["agency"].disabled
    tampered = {"agency": world.desk.pk, "applicant_name": "Kẻ Giả Mạo", "applicant_id_number": "079203009999",
                "applicant_phone": "0987000000", "applicant_birth_date": "01/01/2000",
                "applicant_address": "Phường Một", f"file_{world.form.pk}": upload("to-khai.pdf", PDF_BYTES)}
    with at(T_SUBMIT):
        review = client.post(url, tampered)
        assert review.status_code == 200, review.content.decode()[:2000]
        done = client.post(reverse("portal:submit_confirm", args=[world.procedure.national_code]),
                           {"payload": review.context["payload"]})
    assert done.status_code == 302
    dossier = Dossier.objects.get()
    assert (dossier.applicant_name, dossier.applicant_id_number, dossier.applicant_phone) == (
        "Nguyễn Văn An", PERSONAL_ID, "0912345678")
    assert dossier.applicant_birth_date.isoformat() == "1990-09-05"
    assert dossier.applicant_address == "Phường Một" and dossier.applicant_user == citizen
    assert "Kẻ Giả Mạo" not in review.content.decode()
    assert not any(PERSONAL_ID in record.getMessage() for record in caplog.records)


def test_a_local_account_and_a_visitor_type_their_identity_as_before(client, world):
    url = reverse("portal:submit", args=[world.procedure.national_code])
    form = client.get(url).context["form"]
    assert not any(field.disabled for field in form.fields.values())
    client.force_login(world.citizen)  # a local account: no personal identification number
    form = client.get(url).context["form"]
    assert not any(field.disabled for field in form.fields.values())


# ---------------------------------------------------------------- my dossiers
def test_my_dossiers_lists_every_dossier_bearing_the_id_number(client, world, citizen):
    older = desk_dossier(world)  # received at the desk before the account existed
    as_authorised = desk_dossier(world, id_number="0312345678", name="Công ty TNHH Một Cửa", is_organisation=True,
                                 authorised_name="Nguyễn Văn An", authorised_id_number=PERSONAL_ID)
    someone_else = desk_dossier(world, id_number="079203001234", name="Trần Văn Nộp")
    client.force_login(citizen)
    with at(T_ACT):
        page = client.get(reverse("portal:mine"))
    body = page.content.decode()
    assert page.status_code == 200
    assert older.code in body and as_authorised.code in body
    assert someone_else.code not in body
    assert PERSONAL_ID not in body  # the list shows codes, never the number
    with at(T_ACT):  # each opens from the list without claiming by code + phone
        assert client.get(reverse("portal:dossier", args=[older.code])).status_code == 200
        assert client.get(reverse("portal:dossier", args=[as_authorised.code])).status_code == 200
        assert client.get(reverse("portal:dossier", args=[someone_else.code])).status_code == 404


def test_a_dossier_bearing_the_id_number_opens_directly_and_is_in_the_data_download(client, world, citizen):
    older = desk_dossier(world)
    someone_else = desk_dossier(world, id_number="079203001234", name="Trần Văn Nộp")
    client.force_login(citizen)  # a fresh session: "Hồ sơ của tôi" never opened, nothing tracked
    with at(T_ACT):
        assert client.get(reverse("portal:dossier", args=[older.code])).status_code == 200
        assert client.get(reverse("portal:dossier", args=[someone_else.code])).status_code == 404
        download = client.get(reverse("privacy:my_data_download", args=["json"]))
    assert download.status_code == 200
    data = download.content.decode()
    assert older.code in data and someone_else.code not in data
    assert PERSONAL_ID in data  # the citizen's own data, their number included


def test_a_local_account_sees_only_its_own_and_claimed_dossiers(client, world):
    desk_dossier(world, id_number=PERSONAL_ID)
    own = world.submitted(applicant_user=world.citizen)
    client.force_login(world.citizen)
    body = client.get(reverse("portal:mine")).content.decode()
    assert own.code in body and body.count('class="code"') == 1


# ---------------------------------------------------------------- sessions
def test_sign_out_everywhere_ends_every_session_of_the_account(world, citizen):
    phone, laptop, other_person = Client(), Client(), Client()
    for browser in (phone, laptop):
        browser.force_login(citizen)
    other_person.force_login(world.citizen)
    mine = reverse("portal:mine")
    assert phone.get(mine).status_code == 200 and laptop.get(mine).status_code == 200
    response = laptop.post(reverse("accounts:sign_out_everywhere"))
    assert response.status_code == 302
    for browser in (phone, laptop):
        assert browser.get(mine).status_code == 302  # to the sign-in page
        assert "_auth_user_id" not in browser.session
    assert other_person.get(mine).status_code == 200
    # A new sign-in works as before.
    phone.force_login(User.objects.get(pk=citizen.pk))
    assert phone.get(mine).status_code == 200


def test_sign_out_everywhere_needs_a_post_and_a_signed_in_user(client, citizen):
    assert client.post(reverse("accounts:sign_out_everywhere")).status_code == 302
    client.force_login(citizen)
    assert client.get(reverse("accounts:sign_out_everywhere")).status_code == 405
    citizen.refresh_from_db()
    assert citizen.session_salt == ""


def test_staff_are_signed_out_after_the_idle_timeout(client, world, settings):
    settings.ONECUA = {**settings.ONECUA, "STAFF_IDLE_MINUTES": 30}  # the default (off in the test settings)
    clerk = world.user("clerk@desk")
    home = reverse("workspace:home")
    with at(T_ACT):
        client.force_login(clerk)
        assert client.get(home).status_code == 200
    with at(T_ACT + timedelta(minutes=29)):
        assert client.get(home).status_code == 200  # activity: the clock starts again
    with at(T_ACT + timedelta(minutes=29 + 31)):
        response = client.get(home)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session
    settings.ONECUA = {**settings.ONECUA, "STAFF_IDLE_MINUTES": 5}
    with at(T_ACT):
        client.force_login(clerk)
        client.get(home)
    with at(T_ACT + timedelta(minutes=6)):
        assert client.get(home).status_code == 302


def test_citizens_have_no_idle_timeout(client, citizen):
    with at(T_ACT):
        client.force_login(citizen)
        assert client.get(reverse("portal:mine")).status_code == 200
    with at(T_ACT + timedelta(hours=3)):
        assert client.get(reverse("portal:mine")).status_code == 200


# ---------------------------------------------------------------- production checks
def test_check_deploy_refuses_a_provider_over_http_or_without_a_secret(settings):
    from accounts.apps import check_oidc_providers

    assert check_oidc_providers() == []  # no provider configured
    settings.OIDC = {**settings.OIDC, "CITIZEN": {**settings.OIDC["CITIZEN"], "ISSUER": "http://sso.example",
                                                  "CLIENT_ID": "motcua", "CLIENT_SECRET": ""}}
    assert {error.id for error in check_oidc_providers()} == {"accounts.E002", "accounts.E003"}
    settings.OIDC["CITIZEN"] = {**settings.OIDC["CITIZEN"], "ISSUER": "https://sso.example", "CLIENT_SECRET": "s"}
    assert check_oidc_providers() == []


# ---------------------------------------------------------------- staff mapping
def test_staff_mapping_needs_a_verified_address_and_never_names_a_superuser(world):
    from accounts.services import staff_from_claims

    clerk = world.user("clerk@desk")
    clerk.email = "clerk@so.example.gov.vn"
    clerk.save()
    by_email = {"CLAIM": "email", "USER_FIELD": "email"}
    assert staff_from_claims(claims={"email": "CLERK@so.example.gov.vn", "email_verified": True},
                             conf=by_email) == clerk
    assert staff_from_claims(claims={"email": "clerk@so.example.gov.vn"}, conf=by_email) is None
    assert staff_from_claims(claims={"email": "clerk@so.example.gov.vn", "email_verified": False},
                             conf=by_email) is None
    root = UserFactory(username="quan-tri-goc", is_superuser=True, is_staff=True)
    by_name = {"CLAIM": "preferred_username", "USER_FIELD": "username"}
    assert staff_from_claims(claims={"preferred_username": "quan-tri-goc"}, conf=by_name) is None
    assert staff_from_claims(claims={"preferred_username": clerk.username}, conf=by_name) == clerk
    assert root.pk
