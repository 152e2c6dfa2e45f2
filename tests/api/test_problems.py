"""Rate limits per client, and every error as an RFC 9457 problem (application/problem+json), whoever answers it."""

import logging

import pytest
from django.test import Client

from api import selectors
from tests.api.conftest import assert_problem, bearer, connect, issue_token

pytestmark = pytest.mark.django_db


def test_a_client_over_its_limit_gets_429_with_retry_after_and_others_do_not(world):
    limited = connect(world.desk, requests_per_minute=3)
    other = connect(world.desk)
    for _ in range(3):
        assert limited.api.get("/api/v1/dossiers/").status_code == 200
    response = limited.api.get("/api/v1/events/")
    body = assert_problem(response, 429, "too-many-requests")
    assert 1 <= int(response["Retry-After"]) <= 60 and "giây" in body["detail"]
    assert other.api.get("/api/v1/dossiers/").status_code == 200
    # The limit counts the client, not the token: a new token does not reset it.
    assert_problem(bearer(issue_token(limited.client_id, limited.secret)).get("/api/v1/procedures/"), 429)


def test_the_default_limit_comes_from_the_settings(world, settings):
    settings.ONECUA = {**settings.ONECUA, "API_REQUESTS_PER_MINUTE": 2, "API_ANONYMOUS_REQUESTS_PER_MINUTE": 1}
    system = connect(world.desk)
    assert [system.api.get("/api/v1/dossiers/").status_code for _ in range(3)] == [200, 200, 429]
    # Anonymous callers of the public catalog: per client address.
    assert [Client(REMOTE_ADDR="192.0.2.1").get("/api/v1/agencies/").status_code for _ in range(2)] == [200, 429]
    assert Client(REMOTE_ADDR="192.0.2.2").get("/api/v1/agencies/").status_code == 200


def test_errors_answered_outside_the_api_views_are_problems_too(world):
    assert_problem(Client().get("/api/v1/khong-co/"), 404, "not-found")
    assert_problem(Client().get("/api/v1/dossiers/a/b/c/d/"), 404, "not-found")
    # The input guard answers a NUL byte before any view: still a problem under /api/.
    assert_problem(Client().get("/api/v1/procedures/", {"q": "khai\x00sinh"}), 400, "bad-request")
    # Outside /api/ pages stay pages.
    assert Client().get("/khong-co-trang-nay/")["Content-Type"].startswith("text/html")


def test_method_not_allowed_and_unsupported_media_type(world):
    system = connect(world.desk)
    response = system.api.delete("/api/v1/dossiers/")
    assert "DELETE" in assert_problem(response, 405, "method-not-allowed")["detail"]
    assert "GET" in response["Allow"]
    assert_problem(Client().post("/api/v1/procedures/", {}), 405, "method-not-allowed")
    body = assert_problem(system.api.post("/api/v1/dossiers/", "x", content_type="text/plain"), 415)
    assert "text/plain" in body["detail"]


def test_an_unexpected_failure_is_a_logged_500_problem(world, monkeypatch, caplog):
    system = connect(world.desk)

    def broken(*args, **kwargs):
        raise RuntimeError("hỏng")

    monkeypatch.setattr(selectors, "feed_horizon", broken)
    with caplog.at_level(logging.ERROR):
        body = assert_problem(system.api.get("/api/v1/events/"), 500, "server-error")
    assert "hỏng" not in body["detail"]
    assert any("RuntimeError" in record.getMessage() for record in caplog.records)


def test_each_problem_type_has_a_page_saying_what_it_means(world):
    body = assert_problem(Client().get("/api/v1/dossiers/"), 401, "not-authenticated")
    path = body["type"].split("://", 1)[1].split("/", 1)[1]
    page = Client().get("/" + path)
    assert page.status_code == 200 and page.json()["title"] == body["title"]
    assert page.json()["description"]
    assert_problem(Client().get("/api/v1/problems/khong-co/"), 404, "not-found")


def test_problems_speak_the_requests_language(world):
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/dossiers/")
    vietnamese = Client().get("/api/v1/dossiers/")
    assert_problem(vietnamese, 401)
    assert "Chưa xác thực" == vietnamese.json()["title"]
    assert_problem(english, 401)
