"""Citizen (and staff) sign-in through OpenID Connect against a real node-oidc-provider process
(tests/oidc_provider/provider.js, started by the fixture on a loopback port): the whole flow over HTTP, and its
error paths: wrong state, replayed code, expired ID token, a token signed by an unknown key, the provider down."""

import logging
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from accounts import oidc
from accounts.models import User
from tests.accounts.oidc_support import (
    AN,
    BINH,
    NO_ID,
    STAFF,
    ProviderBrowser,
    ProviderProcess,
    local_path,
    oidc_settings,
    query,
)
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
BASE = "http://testserver"
CALLBACKS = [f"{BASE}/tai-khoan/dinh-danh/ve/", f"{BASE}/tai-khoan/dinh-danh/can-bo/ve/"]


@pytest.fixture
def provider(tmp_path):
    process = ProviderProcess(keys_file=tmp_path / "keys.json", redirect_uris=CALLBACKS,
                              post_logout_uris=[f"{BASE}/"]).start()
    yield process
    process.stop()


@pytest.fixture
def rp(settings, provider, caplog):
    """The relying party pointed at the provider (citizen and staff), with a fresh client cache; every log record
    captured (none may carry a personal identification number)."""
    oidc_settings(settings, provider, base_url=BASE, staff=True)
    oidc._clients.clear()
    caplog.set_level(logging.DEBUG)
    yield provider
    oidc._clients.clear()
    for record in caplog.records:
        message = record.getMessage()
        for account in (AN, BINH):
            assert account["personal_id"] not in message, message


def begin(client: Client, *, staff: bool = False) -> str:
    response = client.get(reverse("accounts:oidc_staff_login" if staff else "accounts:oidc_login"))
    assert response.status_code == 302, response.content.decode()[:1000]
    return response["Location"]


def sign_in_at_provider(client: Client, provider, account: dict, *, staff: bool = False):
    """Start at the relying party, sign in at the provider; the callback address the provider sent back to."""
    browser = ProviderBrowser(provider)
    callback = browser.sign_in(begin(client, staff=staff), account)
    assert callback.startswith(f"{BASE}/tai-khoan/dinh-danh/"), callback
    return callback, browser


def signed_in_user(client: Client):
    return User.objects.filter(pk=client.session.get("_auth_user_id")).first()


def assert_refused(response, text: str, status: int = 400) -> None:
    body = response.content.decode()
    assert response.status_code == status, body[:2000]
    assert text in body, body[:3000]
    assert 'id="oidc-error"' in body
    assert "_auth_user_id" not in response.wsgi_request.session


# ---------------------------------------------------------------- without a provider
def test_no_provider_configured_the_sign_in_page_shows_local_accounts_only(client, settings):
    settings.OIDC = {**settings.OIDC, "CITIZEN": {**settings.OIDC["CITIZEN"], "ISSUER": "", "CLIENT_ID": ""},
                     "STAFF": {**settings.OIDC["STAFF"], "ISSUER": "", "CLIENT_ID": ""}}
    page = client.get(reverse("accounts:login"))
    body = page.content.decode()
    assert page.status_code == 200 and 'name="username"' in body
    assert "data-oidc" not in body and "định danh điện tử" not in body
    for name in ("oidc_login", "oidc_callback", "oidc_staff_login", "oidc_staff_callback"):
        assert client.get(reverse(f"accounts:{name}")).status_code == 404


def test_the_embedded_default_configures_no_provider(monkeypatch):
    """settings/base.py read without any OIDC_* variable: no provider, so `make run` offers local accounts only."""
    import runpy

    for name in list(os.environ):
        if name.startswith("OIDC_"):
            monkeypatch.delenv(name)
    base = runpy.run_path(str(Path(django_settings.BASE_DIR) / "onecua" / "settings" / "base.py"))
    assert base["OIDC"]["CITIZEN"]["ISSUER"] == "" and base["OIDC"]["STAFF"]["ISSUER"] == ""
    assert base["ONECUA"]["STAFF_IDLE_MINUTES"] == 30
    assert oidc.provider("unknown") is None


# ---------------------------------------------------------------- the citizen's sign-in
def test_citizen_signs_in_with_pkce_state_nonce_and_gets_an_account_keyed_by_the_id_number(client, rp):
    page = client.get(reverse("accounts:login")).content.decode()
    assert 'data-oidc="citizen"' in page and 'data-oidc="staff"' in page
    authorize = begin(client)
    params = query(authorize)
    assert authorize.startswith(f"{rp.issuer}/auth?")
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) >= 43
    assert params["state"] and params["nonce"] and params["redirect_uri"] == CALLBACKS[0]
    assert "code_verifier" not in authorize
    browser = ProviderBrowser(rp)
    callback = browser.sign_in(authorize, AN)
    before = client.session.session_key
    response = client.get(local_path(callback))
    assert response.status_code == 302 and response["Location"] == reverse("home")
    user = signed_in_user(client)
    assert user is not None and user.personal_id == AN["personal_id"]
    assert user.full_name == AN["name"] and user.birth_date.isoformat() == "1990-09-05"
    assert user.phone == AN["phone"] and user.email == AN["email"]
    assert not user.has_usable_password() and AN["personal_id"] not in user.username
    assert client.session.session_key != before  # the session key is rotated at sign-in
    for url in [*browser.urls, callback, response["Location"]]:
        assert AN["personal_id"] not in url, url
    # Signing in again finds the same account; the claims are read again.
    client.logout()
    User.objects.filter(pk=user.pk).update(full_name="Tên cũ")
    again = Client()
    callback, _browser = sign_in_at_provider(again, rp, AN)
    again.get(local_path(callback))
    assert signed_in_user(again).pk == user.pk
    assert User.objects.get(pk=user.pk).full_name == AN["name"]
    assert User.objects.filter(personal_id=AN["personal_id"]).count() == 1


def test_a_local_account_with_the_same_e_mail_is_never_taken_over(client, rp):
    local = UserFactory(username="an-local", email=AN["email"], phone=AN["phone"], full_name="Tài khoản cục bộ")
    callback, _browser = sign_in_at_provider(client, rp, AN)
    client.get(local_path(callback))
    user = signed_in_user(client)
    assert user.pk != local.pk and user.personal_id == AN["personal_id"]
    assert user.email == "" and user.phone == ""  # both belong to another account
    local.refresh_from_db()
    assert local.personal_id == "" and local.full_name == "Tài khoản cục bộ"


def test_a_safe_next_is_followed_and_a_foreign_one_ignored(client, rp):
    start = client.get(reverse("accounts:oidc_login") + "?next=/ho-so-cua-toi/")
    callback = ProviderBrowser(rp).sign_in(start["Location"], AN)
    assert client.get(local_path(callback))["Location"] == "/ho-so-cua-toi/"
    other = Client()
    start = other.get(reverse("accounts:oidc_login") + "?next=https://evil.example/")
    callback = ProviderBrowser(rp).sign_in(start["Location"], AN)
    assert other.get(local_path(callback))["Location"] == reverse("home")


def test_an_identity_without_a_personal_identification_number_is_refused(client, rp):
    callback, _browser = sign_in_at_provider(client, rp, NO_ID)
    assert_refused(client.get(local_path(callback)), "không cung cấp số định danh cá nhân hợp lệ")
    assert not User.objects.filter(username__startswith="dinh-danh-").exists()


def test_the_person_cancelling_at_the_provider_is_told(client, rp):
    begin(client)
    response = client.get(reverse("accounts:oidc_callback") + "?error=access_denied&state=x")
    assert_refused(response, "Bạn đã hủy đăng nhập")


# ---------------------------------------------------------------- error paths
def test_wrong_state_is_refused_and_nobody_is_signed_in(client, rp):
    callback, _browser = sign_in_at_provider(client, rp, AN)
    params = query(callback)
    tampered = f"{reverse('accounts:oidc_callback')}?code={params['code']}&state=khong-phai-cua-ban&iss={rp.issuer}"
    assert_refused(client.get(tampered), "mã kiểm tra không khớp")
    # A callback from another browser's flow (its state is not in this session) is refused the same way.
    assert_refused(Client().get(local_path(callback)), "mã kiểm tra không khớp")
    assert not User.objects.filter(personal_id=AN["personal_id"]).exists()


def test_a_replayed_code_is_refused(client, rp):
    callback, _browser = sign_in_at_provider(client, rp, AN)
    assert client.get(local_path(callback)).status_code == 302
    client.logout()
    # The same answer again: its state was used once and is gone.
    assert_refused(client.get(local_path(callback)), "mã kiểm tra không khớp")
    # The same code under a fresh state of this session: the provider refuses the code (used already).
    fresh_state = query(begin(client))["state"]
    code = query(callback)["code"]
    replay = f"{reverse('accounts:oidc_callback')}?code={code}&state={fresh_state}&iss={rp.issuer}"
    assert_refused(client.get(replay), "mã xác thực đã được dùng hoặc đã hết hạn")


def test_an_expired_id_token_is_refused(client, rp):
    rp.restart(ID_TOKEN_TTL=5)
    callback, _browser = sign_in_at_provider(client, rp, AN)
    skew = django_settings.OIDC["CLOCK_SKEW_SECONDS"]
    # The relying party's clock, 5 s + the allowed skew + a minute later: the ID token has expired.
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=5 + skew + 60), tick=True):
        response = client.get(local_path(callback))
    assert_refused(response, "đã hết hạn")
    assert not User.objects.filter(personal_id=AN["personal_id"]).exists()


def test_a_token_signed_by_an_unknown_key_is_refused(client, rp):
    # The provider signs with a key its JWKS does not publish (the relying party fetches the set again once).
    rp.restart(SIGNING_KEYS="rogue", PUBLISHED_KEYS="a")
    callback, _browser = sign_in_at_provider(client, rp, AN)
    assert_refused(client.get(local_path(callback)), "Không xác minh được chữ ký")
    # Another key published under the known key id: the signature does not verify.
    other = Client()
    rp.restart(SIGNING_KEYS="rogue:a", PUBLISHED_KEYS="a")
    callback, _browser = sign_in_at_provider(other, rp, AN)
    assert_refused(other.get(local_path(callback)), "Không xác minh được chữ ký")
    assert not User.objects.filter(personal_id=AN["personal_id"]).exists()


def test_key_rotation_at_the_provider_is_followed(client, rp):
    callback, _browser = sign_in_at_provider(client, rp, AN)
    assert client.get(local_path(callback)).status_code == 302
    cached = {key["kid"] for key in oidc.client(oidc.provider(oidc.CITIZEN)).server_metadata["jwks"]["keys"]}
    assert cached == {"a"}
    rp.restart(SIGNING_KEYS="b,a")  # a new key signs; the old one is still published
    later = Client()
    callback, _browser = sign_in_at_provider(later, rp, BINH)
    assert later.get(local_path(callback)).status_code == 302
    assert signed_in_user(later).personal_id == BINH["personal_id"]
    cached = {key["kid"] for key in oidc.client(oidc.provider(oidc.CITIZEN)).server_metadata["jwks"]["keys"]}
    assert cached == {"a", "b"}


def test_provider_down_at_the_start_is_a_clear_message(client, rp):
    rp.stop()
    response = client.get(reverse("accounts:oidc_login"))
    assert_refused(response, "Không kết nối được với nhà cung cấp định danh", status=503)
    assert 'name="username"' in response.content.decode()  # local accounts still offered


def test_provider_down_at_the_callback_is_a_clear_message(client, rp):
    callback, _browser = sign_in_at_provider(client, rp, AN)
    rp.stop()
    assert_refused(client.get(local_path(callback)), "Không kết nối được với nhà cung cấp định danh", status=503)
    assert not User.objects.filter(personal_id=AN["personal_id"]).exists()


# ---------------------------------------------------------------- staff
def test_staff_sign_in_maps_to_an_existing_user_by_claim(client, rp, world):
    clerk = UserFactory(username=STAFF["username"], full_name="Cán bộ tiếp nhận")
    MembershipFactory(user=clerk, agency=world.desk, role="clerk")
    callback, _browser = sign_in_at_provider(client, rp, STAFF, staff=True)
    response = client.get(local_path(callback))
    assert response.status_code == 302 and response["Location"] == reverse("workspace:home")
    assert signed_in_user(client).pk == clerk.pk
    assert User.objects.filter(username=STAFF["username"]).count() == 1


def test_staff_sign_in_without_a_staff_user_is_refused(client, rp, db):
    callback, _browser = sign_in_at_provider(client, rp, STAFF, staff=True)
    assert_refused(client.get(local_path(callback)), "chưa được cấp quyền cán bộ")
    UserFactory(username=STAFF["username"])  # a user, but no membership
    other = Client()
    callback, _browser = sign_in_at_provider(other, rp, STAFF, staff=True)
    assert_refused(other.get(local_path(callback)), "chưa được cấp quyền cán bộ")


# ---------------------------------------------------------------- sign-out
def test_sign_out_ends_the_session_here_and_at_the_provider(client, rp):
    callback, browser = sign_in_at_provider(client, rp, AN)
    client.get(local_path(callback))
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 200  # a page going on to the provider (the site's form-action is 'self')
    end_session = response.context["provider_logout_url"]
    assert f'content="0; url={end_session.replace("&", "&amp;")}"' in response.content.decode()
    assert end_session.startswith(f"{rp.issuer}/session/end?")
    assert query(end_session) == {"client_id": "onecua", "post_logout_redirect_uri": f"{BASE}/"}
    assert signed_in_user(client) is None
    back = browser.sign_out(end_session)
    assert back.startswith(f"{BASE}/")
    # Signed out at the provider too: the next sign-in asks for the password again.
    page = browser.session.get(begin(Client()), timeout=10)
    assert 'name="password"' in page.text


def test_a_local_account_signs_out_without_the_provider(client, rp):
    client.force_login(UserFactory(username="local"))
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("accounts:logout")).status_code == 405
