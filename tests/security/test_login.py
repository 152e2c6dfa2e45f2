"""Sign-in security: the lockout (django-axes) on every spelling of a login and on the admin, one password hash on
every failure, registration that does not reveal existing accounts, the TOTP second factor, client addresses
behind trusted proxies."""

import re
from unittest import mock

import pytest
from django.contrib.auth.hashers import get_hasher
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role, User
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "mat-khau-thu-123"  # tests.factories.UserFactory's


@pytest.fixture(autouse=True)
def _lockout_on(settings):
    """The lockout as in production (the test settings turn it off for the rest of the suite): 5 failures,
    15 minutes. Its attempts are database rows, rolled back after each test; the cache starts empty."""
    from django.core.cache import cache

    settings.AXES_ENABLED = True
    settings.ONECUA = {**settings.ONECUA, "LOGIN_FAILURES_ALLOWED": 5, "LOGIN_LOCKOUT_MINUTES": 15}
    cache.clear()
    yield
    cache.clear()


def sign_in(client, login, password, *, url=None, **extra):
    return client.post(url or reverse("accounts:login"), {"username": login, "password": password}, **extra)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def assert_locked_out(response):
    assert response.status_code == 429
    body = response.content.decode()
    assert "Bạn đã đăng nhập sai 5 lần" in body and "thử lại sau 15 phút" in body


# ---------------------------------------------------------------- the lockout
PHONE_SPELLINGS = ["0912345678", "0912-345-678", "0912 345 678", "0912345678.", "0912345678..", "(0912) 345.678"]


def test_every_spelling_of_one_phone_counts_against_one_lockout(client):
    UserFactory(username="vo.thi.thu", phone="0912345678")
    assert sign_in(client, "0912-345-678", PASSWORD).status_code == 302  # a spelling the backend accepts
    client.logout()
    for spelling in PHONE_SPELLINGS[:4]:
        response = sign_in(client, spelling, "sai")
        assert response.status_code == 200 and "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()
    assert_locked_out(sign_in(client, PHONE_SPELLINGS[4], "sai"))  # the 5th failure, whatever the spelling
    for spelling in PHONE_SPELLINGS:
        assert_locked_out(sign_in(client, spelling, PASSWORD))  # the right password is refused too
    assert not signed_in(client)
    # "+84912345678" is not this phone for the backend (its digits differ: no sign-in with it at all), so it
    # opens no way around the lockout either.
    response = sign_in(client, "+84912345678", PASSWORD)
    assert response.status_code == 200 and not signed_in(client)


def test_every_case_of_one_email_address_counts_against_one_lockout(client):
    UserFactory(username="thu", email="thu.vo@example.vn")
    for spelling in ("Thu.Vo@example.vn", "THU.VO@EXAMPLE.VN", " thu.vo@Example.vn", "thu.vo@example.VN"):
        assert sign_in(client, spelling, "sai").status_code == 200
    assert_locked_out(sign_in(client, "thU.vO@example.vn", "sai"))
    assert_locked_out(sign_in(client, "thu.vo@example.vn", PASSWORD))
    assert not signed_in(client)


def test_the_admin_sign_in_is_locked_out_too(client):
    UserFactory(username="quan.tri", is_staff=True, is_superuser=True)
    url = reverse("admin:login")
    for _ in range(4):
        response = sign_in(client, "quan.tri", "sai", url=url)
        assert response.status_code == 200
    assert_locked_out(sign_in(client, "quan.tri", "sai", url=url))
    assert_locked_out(sign_in(client, "quan.tri", PASSWORD, url=url))
    assert not signed_in(client)
    assert client.get(reverse("admin:index")).status_code == 302  # still sent to the login


def test_a_locked_login_from_one_client_locks_neither_another_login_nor_another_client(client):
    UserFactory(username="nguoi.a")
    UserFactory(username="nguoi.b")
    first, second = {"REMOTE_ADDR": "203.0.113.1"}, {"REMOTE_ADDR": "203.0.113.2"}
    for _ in range(5):
        sign_in(client, "nguoi.a", "sai", **first)
    assert_locked_out(sign_in(client, "nguoi.a", PASSWORD, **first))
    assert sign_in(client, "nguoi.b", PASSWORD, **second).status_code == 302
    client.logout()
    assert sign_in(client, "nguoi.a", PASSWORD, **second).status_code == 302


def test_behind_a_trusted_proxy_the_lockout_keys_on_each_real_client(client, settings):
    """Behind the reverse proxy every request has its REMOTE_ADDR: the client is read from X-Forwarded-For."""
    settings.TRUSTED_PROXIES = ["172.30.253.10"]
    UserFactory(username="nguoi.a")

    def via_proxy(forwarded_for):
        return {"REMOTE_ADDR": "172.30.253.10", "HTTP_X_FORWARDED_FOR": forwarded_for}

    for _ in range(5):
        sign_in(client, "nguoi.a", "sai", **via_proxy("198.51.100.7"))
    assert_locked_out(sign_in(client, "nguoi.a", PASSWORD, **via_proxy("198.51.100.7")))
    # The locked-out client cannot get out by writing another address in front of its own.
    assert_locked_out(sign_in(client, "nguoi.a", PASSWORD, **via_proxy("203.0.113.99, 198.51.100.7")))
    # Another client of the same proxy is not locked out.
    assert sign_in(client, "nguoi.a", PASSWORD, **via_proxy("198.51.100.8")).status_code == 302


# ---------------------------------------------------------------- one password hash per failure
def test_every_failed_sign_in_costs_exactly_one_password_hash_known_login_or_not(client):
    """Known and unknown logins cost the same: exactly one hash on every failure path (no timing oracle)."""
    UserFactory(username="co.that", phone="0912345678", email="co.that@example.vn")
    UserFactory(username="da.khoa", is_active=False)
    unusable = UserFactory(username="khong.mat.khau")
    unusable.set_unusable_password()
    unusable.save()
    attempts = {"wrong password": ("co.that", "sai"), "unknown login": ("khong.co.ai", "sai"),
                "unknown e-mail": ("ai.do@example.vn", "sai"), "unknown phone": ("0999 888 777", "sai"),
                "wrong password, phone spelling": ("0912 345 678", "sai"),
                "wrong password, e-mail case": ("Co.That@Example.vn", "sai"),
                "inactive account, right password": ("da.khoa", PASSWORD),
                "unusable password": ("khong.mat.khau", "sai")}
    hasher = type(get_hasher())
    hashes = {}
    for case, (login, password) in attempts.items():
        with mock.patch.object(hasher, "encode", autospec=True, side_effect=hasher.encode) as encode:
            response = sign_in(client, login, password, REMOTE_ADDR=f"198.51.100.{len(hashes) + 1}")
        assert response.status_code == 200 and not signed_in(client), case
        hashes[case] = encode.call_count
    assert hashes == dict.fromkeys(attempts, 1)


# ---------------------------------------------------------------- registration
def register(client, **fields):
    data = {"full_name": "Võ Thị Thu", "email": "", "phone": "", "password1": "Matkhau!2026x",
            "password2": "Matkhau!2026x", **fields}
    return client.post(reverse("accounts:register"), data)


def _page(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


@pytest.mark.parametrize("field, taken, free", [("phone", "0912345678", "0987111222"),
                                                ("email", "thu.vo@example.vn", "moi@example.vn")])
def test_registration_answers_the_same_for_a_taken_and_a_free_address_and_tells_the_owner(
        client, locmem_sms, field, taken, free):
    owner = UserFactory(username="chu.tai.khoan", phone="0912345678", email="thu.vo@example.vn")
    answers = []
    for value in (taken, free):
        response = register(client, **{field: value.upper() if field == "email" else value})
        followed = client.get(response["Location"])
        answers.append((response.status_code, response["Location"], signed_in(client), _page(followed)))
    assert answers[0] == answers[1]
    assert answers[0][:3] == (302, reverse("accounts:login"), False)
    assert "Đã nhận đăng ký" in answers[0][3]
    assert User.objects.filter(**{field: free}).exists()  # the free address got its account
    assert User.objects.filter(**{field: taken}).get() == owner  # the taken one did not get a second
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)
    if field == "phone":
        to_owner = [text for phone, text, _key in locmem_sms if phone == taken]
        assert len(to_owner) == 1 and "da co tai khoan" in to_owner[0] and "dat lai" in to_owner[0]
    else:
        to_owner = [m for m in mail.outbox if m.to == [taken]]
        assert len(to_owner) == 1
        assert "đã có tài khoản" in to_owner[0].body and "đặt lại mật khẩu" in to_owner[0].body


def test_registering_a_taken_phone_again_and_again_sends_its_owner_one_message(client, locmem_sms):
    UserFactory(username="chu.tai.khoan", phone="0912345678")
    for _ in range(3):
        assert register(client, phone="0912 345 678").status_code == 302
    assert [phone for phone, _text, _key in locmem_sms] == ["0912345678"]


# ---------------------------------------------------------------- second factor (TOTP)
def code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows (steps_ahead=1: the next one, as a code is accepted only once)."""
    totp = TOTP(device.bin_key, device.step, device.t0 - steps_ahead * device.step, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def staff(role=Role.CLERK, **kwargs):
    user = UserFactory(username=kwargs.pop("username", "can.bo"), **kwargs)
    MembershipFactory(user=user, role=role)
    return user


def test_a_staff_member_enrols_and_sign_in_then_asks_for_the_code(client):
    user = staff()
    client.force_login(user)
    page = client.get(reverse("accounts:otp_setup"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'src="data:image/svg+xml' in body and 'id="otp-secret"' in body
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert device.config_url.startswith("otpauth://totp/")
    assert client.post(reverse("accounts:otp_setup"), {"code": "000000" if code(device) != "000000" else "111111"}
                       ).status_code == 400
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # django-otp's throttle: the next try must wait a second
    device.throttle_reset()
    assert client.post(reverse("accounts:otp_setup"), {"code": code(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed

    client.post(reverse("accounts:logout"))
    assert sign_in(client, "can.bo", PASSWORD).status_code == 302
    workspace = reverse("workspace:home")
    response = client.get(workspace)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:otp_verify"))
    assert client.get(reverse("home")).status_code == 302  # nothing else either until the code
    wrong = client.post(reverse("accounts:otp_verify"), {"code": "12345x", "next": workspace})
    assert wrong.status_code == 400 and client.get(workspace).status_code == 302
    response = client.post(reverse("accounts:otp_verify"), {"code": code(device, steps_ahead=1), "next": workspace})
    assert response.status_code == 302 and response["Location"] == workspace
    assert client.get(workspace).status_code == 200


def test_the_admin_sign_in_asks_for_the_code_too(client):
    user = staff(role=Role.ADMIN, is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    assert sign_in(client, "can.bo", PASSWORD, url=reverse("admin:login")).status_code == 302
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:otp_verify"))
    client.post(reverse("accounts:otp_verify"), {"code": code(device), "next": reverse("admin:index")})
    assert client.get(reverse("admin:index")).status_code == 200


def test_where_required_an_administrator_must_enrol_before_the_admin_and_the_workspace(client, settings):
    settings.OTP_REQUIRED_FOR_ADMINS = True
    admin = staff(role=Role.ADMIN, is_staff=True)
    clerk = staff(username="mot.cua")
    client.force_login(clerk)
    assert client.get(reverse("workspace:home")).status_code == 200  # not an administrator: optional
    client.force_login(admin)
    for url in (reverse("admin:index"), reverse("workspace:home")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:otp_setup"))
    assert client.get(reverse("home")).status_code == 200  # the public site stays open
    client.get(reverse("accounts:otp_setup"))
    device = TOTPDevice.objects.get(user=admin)
    client.post(reverse("accounts:otp_setup"), {"code": code(device), "next": reverse("admin:index")})
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("workspace:home")).status_code == 200


def test_the_production_settings_require_the_second_factor_of_administrators_and_the_others_do_not():
    import os
    import secrets
    import subprocess
    import sys

    script = "from django.conf import settings; print(settings.OTP_REQUIRED_FOR_ADMINS)"
    env = {**os.environ, "DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "DJANGO_ALLOWED_HOSTS": "a.example",
           "PUBLIC_BASE_URL": "https://a.example", "CACHE_URL": "redis://127.0.0.1:6379/15"}
    for name in ("OTP_REQUIRED_FOR_ADMINS", "EMAIL_BACKEND"):
        env.pop(name, None)
    for module, expected in (("onecua.settings.prod", "True"), ("onecua.settings.dev", "False")):
        out = subprocess.run([sys.executable, "-c", f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']="
                              f"'{module}'; django.setup(); {script}"], env=env, capture_output=True, text=True,
                             check=True)
        assert out.stdout.strip().splitlines()[-1] == expected


# ---------------------------------------------------------------- client addresses
def client_ip(request):
    from accounts.ratelimit import client_ip

    return client_ip(request)


def request(remote_addr="198.51.100.7", forwarded_for=None):
    meta = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/", **meta)


def test_without_trusted_proxies_the_client_is_remote_addr_whatever_it_forwards(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(request("198.51.100.7")) == "198.51.100.7"
    assert client_ip(request("198.51.100.7", "203.0.113.5")) == "198.51.100.7"
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="")) is None


def test_behind_trusted_proxies_the_client_is_the_first_untrusted_address_from_the_right(settings):
    settings.TRUSTED_PROXIES = ["172.30.253.10", "10.0.0.0/8"]
    assert client_ip(request("172.30.253.10", "198.51.100.7")) == "198.51.100.7"
    # A client's own X-Forwarded-For lies to the left of what the proxies appended: ignored.
    assert client_ip(request("172.30.253.10", "203.0.113.5, 198.51.100.7, 10.1.2.3")) == "198.51.100.7"
    assert client_ip(request("172.30.253.10", "203.0.113.5,198.51.100.7")) == "198.51.100.7"
    # A request from outside the trusted proxies: its X-Forwarded-For is spoofed, REMOTE_ADDR is the client.
    assert client_ip(request("198.51.100.9", "203.0.113.5")) == "198.51.100.9"
    # Nothing usable after the proxy: the request counts against the proxy, never against a guess.
    assert client_ip(request("172.30.253.10", "203.0.113.5, unknown")) == "172.30.253.10"
    assert client_ip(request("172.30.253.10")) == "172.30.253.10"
    assert client_ip(request("172.30.253.10", "10.0.0.7")) == "10.0.0.7"  # only proxies: the furthest
    assert client_ip(request("172.30.253.10", "[2001:db8::1]:4711")) == "2001:db8::1"
    assert client_ip(request("::ffff:172.30.253.10", "198.51.100.7")) == "198.51.100.7"


def test_the_public_tracking_rate_limit_keys_on_the_client_behind_the_proxy(settings):
    from portal.views import _client_ip

    settings.TRUSTED_PROXIES = ["172.30.253.10"]
    assert _client_ip(request("172.30.253.10", "198.51.100.7")) == "198.51.100.7"
    assert _client_ip(request("172.30.253.10", "198.51.100.8")) == "198.51.100.8"


def test_a_trusted_proxies_typo_is_a_system_check_error(settings):
    from accounts.apps import check_trusted_proxies

    settings.TRUSTED_PROXIES = ["172.30.253.10", "10.0.0.0/33"]
    assert [e.id for e in check_trusted_proxies()] == ["accounts.E001"]
    settings.TRUSTED_PROXIES = ["172.30.253.10", "10.0.0.0/8", "2001:db8::/32"]
    assert check_trusted_proxies() == []
