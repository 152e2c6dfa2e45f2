"""Clients of the API: an OAuth 2.0 application bound to agencies (api.ApiClient), its token from /o/token/ and a
test client sending it."""

import base64
import itertools
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.test import Client
from oauth2_provider.models import Application

from api.models import ApiClient, Scope
from procedures.models import AgencyKind
from tests.factories import AgencyFactory

ALL_SCOPES = " ".join(Scope.values)
_numbers = itertools.count(1)


@dataclass
class Connected:
    """A connected system: its OAuth 2.0 credentials, its ApiClient row, and `api`, a test client with its token."""

    client_id: str
    secret: str
    api_client: ApiClient
    token: str
    api: Client


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def token_response(client_id: str, secret: str, scope: str | None = None):
    data = {"grant_type": "client_credentials", **({"scope": scope} if scope is not None else {})}
    return Client().post("/o/token/", data, HTTP_AUTHORIZATION=basic(client_id, secret))


def issue_token(client_id: str, secret: str, scope: str | None = None) -> str:
    response = token_response(client_id, secret, scope)
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def bearer(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def connect(*agencies, scopes: str = ALL_SCOPES, token_scope: str | None = None, include_subtree=False,
            requests_per_minute=None, name=None) -> Connected:
    number = next(_numbers)
    secret = f"khoa-bi-mat-{number}-0123456789abcdef"
    application = Application.objects.create(
        name=name or f"Hệ thống thử nghiệm {number}", client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS, client_secret=secret)
    api_client = ApiClient.objects.create(application=application, scopes=scopes, include_subtree=include_subtree,
                                          requests_per_minute=requests_per_minute)
    api_client.agencies.set(agencies)
    token = issue_token(application.client_id, secret, token_scope)
    return Connected(application.client_id, secret, api_client, token, bearer(token))


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def far_desk(world):
    """A one-stop desk of another province (H62), receiving the world's procedure."""
    desk = AgencyFactory(identifier="H62.01.05", name="Trung tâm Phục vụ hành chính công xã Xa",
                         kind=AgencyKind.COMMUNE_CENTRE, parent=world.other_province)
    world.procedure.agencies.add(desk)
    return desk


def assert_problem(response, status: int, kind: str | None = None) -> dict:
    """An RFC 9457 problem with this status (and type slug); its body."""
    assert response.status_code == status, (response.status_code, response.content[:1000])
    assert response["Content-Type"].startswith("application/problem+json"), response["Content-Type"]
    body = response.json()
    assert {"type", "title", "status", "detail", "instance"} <= set(body), body
    assert body["status"] == status and body["detail"] and body["title"]
    assert body["instance"] == response.wsgi_request.path
    if kind is not None:
        assert body["type"].rstrip("/").endswith(f"/api/v1/problems/{kind}"), body["type"]
    return body
