import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_login_page_is_in_vietnamese(client):
    body = client.get(reverse("accounts:login")).content.decode()
    assert "Đăng nhập" in body and "Mật khẩu" in body and 'lang="vi"' in body


def test_wrong_password_gives_a_clear_message_and_keeps_the_username(client):
    UserFactory(username="motcua.test")
    response = client.post(reverse("accounts:login"), {"username": "motcua.test", "password": "sai"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in body
    assert 'value="motcua.test"' in body


def test_login_then_logout(client):
    UserFactory(username="motcua.test")
    response = client.post(reverse("accounts:login"), {"username": "motcua.test", "password": "mat-khau-thu-123"})
    assert response.status_code == 302
    assert "Đăng xuất" in client.get("/").content.decode()
    client.post(reverse("accounts:logout"))
    assert "Đăng xuất" not in client.get("/").content.decode()


def test_english_is_available(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("accounts:login")).content.decode()
    assert 'lang="en"' in body
    assert "Password" in body


def test_repeated_wrong_passwords_are_throttled_even_with_the_right_one(client, settings):
    from axes.utils import reset

    settings.ONECUA = {**settings.ONECUA, "LOGIN_FAILURES_ALLOWED": 3}
    UserFactory(username="motcua.test")
    for _ in range(3):
        response = client.post(reverse("accounts:login"), {"username": "motcua.test", "password": "sai"})
    # The failure that reaches the limit already answers with the lockout page (django-axes), status 429.
    assert response.status_code == 429
    response = client.post(reverse("accounts:login"), {"username": "motcua.test", "password": "mat-khau-thu-123"})
    assert response.status_code == 429
    assert "thử lại sau 15 phút" in response.content.decode()
    assert "_auth_user_id" not in client.session
    reset()  # what the cool-off (LOGIN_LOCKOUT_MINUTES) does in time
    assert client.post(reverse("accounts:login"),
                       {"username": "motcua.test", "password": "mat-khau-thu-123"}).status_code == 302
