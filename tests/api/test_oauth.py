"""OAuth 2.0 client credentials: who gets a token, with which scopes; and each scope enforced on the API."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from api.models import ApiClient
from tests.api.conftest import assert_problem, basic, bearer, connect, issue_token, token_response
from tests.builders import PDF_BYTES, upload

pytestmark = pytest.mark.django_db


def test_a_client_gets_a_bearer_token_with_its_scopes(world):
    system = connect(world.desk, scopes="catalog:read dossiers:read")
    response = token_response(system.client_id, system.secret)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["access_token"]
    assert set(body["scope"].split()) == {"catalog:read", "dossiers:read"}
    assert 0 < body["expires_in"] <= 3600
    assert system.api.get("/api/v1/dossiers/").status_code == 200


def test_a_token_may_ask_for_fewer_scopes_but_never_more(world):
    system = connect(world.desk, scopes="catalog:read dossiers:read")
    narrow = token_response(system.client_id, system.secret, "catalog:read")
    assert narrow.status_code == 200 and narrow.json()["scope"] == "catalog:read"
    wider = token_response(system.client_id, system.secret, "dossiers:read dossiers:write")
    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"
    unknown = token_response(system.client_id, system.secret, "admin")
    assert unknown.status_code == 400


def test_wrong_secret_inactive_client_and_bare_application_get_no_token(world):
    system = connect(world.desk)
    assert token_response(system.client_id, "sai-khoa-bi-mat").status_code == 401
    ApiClient.objects.filter(pk=system.api_client.pk).update(is_active=False)
    refused = token_response(system.client_id, system.secret)
    assert refused.status_code in (400, 401) and "access_token" not in refused.json()
    bare = Application.objects.create(name="Không gắn hệ thống", client_type=Application.CLIENT_CONFIDENTIAL,
                                      authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
                                      client_secret="khoa-bi-mat-cua-ung-dung-tran")
    assert "access_token" not in token_response(bare.client_id, "khoa-bi-mat-cua-ung-dung-tran").json()


def test_a_token_stops_working_when_its_client_is_deactivated(world):
    system = connect(world.desk)
    assert system.api.get("/api/v1/dossiers/").status_code == 200
    ApiClient.objects.filter(pk=system.api_client.pk).update(is_active=False)
    assert_problem(system.api.get("/api/v1/dossiers/"), 401, "not-authenticated")
    # The public catalog too refuses a token of a blocked client instead of reading it as anonymous.
    assert_problem(system.api.get("/api/v1/procedures/"), 401, "not-authenticated")


def test_no_token_expired_token_and_revoked_token_are_401_problems(world):
    response = Client().get("/api/v1/dossiers/")
    assert_problem(response, 401, "not-authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert_problem(bearer("khong-phai-ma-that").get("/api/v1/dossiers/"), 401, "not-authenticated")

    system = connect(world.desk)
    AccessToken.objects.filter(application__client_id=system.client_id).update(
        expires=timezone.now() - timedelta(seconds=1))
    assert_problem(system.api.get("/api/v1/events/"), 401, "not-authenticated")

    token = issue_token(system.client_id, system.secret)
    revoked = Client().post("/o/revoke_token/", {"token": token},
                            HTTP_AUTHORIZATION=basic(system.client_id, system.secret))
    assert revoked.status_code == 200
    assert_problem(bearer(token).get("/api/v1/events/"), 401, "not-authenticated")


@pytest.mark.parametrize("method, path, scope", [
    ("get", "/api/v1/dossiers/", "dossiers:read"),
    ("get", "/api/v1/dossiers/{code}/", "dossiers:read"),
    ("get", "/api/v1/events/", "dossiers:read"),
    ("post", "/api/v1/dossiers/", "dossiers:write"),
    ("post", "/api/v1/dossiers/{code}/supplement/", "dossiers:write"),
    ("get", "/api/v1/procedures/", "catalog:read"),
    ("get", "/api/v1/agencies/", "catalog:read"),
])
def test_each_endpoint_needs_its_scope(world, method, path, scope):
    dossier = world.desk_supplement()
    others = " ".join(s for s in ("catalog:read", "dossiers:read", "dossiers:write") if s != scope)
    lacking = connect(world.desk, scopes=others)
    url = path.format(code=dossier.code)
    data = {"files": [upload("bo-sung.pdf", PDF_BYTES)]} if method == "post" else {}
    body = assert_problem(getattr(lacking.api, method)(url, data), 403, "insufficient-scope")
    assert scope in body["detail"]
    # A token asking for less than its client holds is held to what it asked for.
    narrowed = connect(world.desk, token_scope=others)
    assert_problem(getattr(narrowed.api, method)(url, data), 403, "insufficient-scope")
    # With the scope, the same request is allowed (whatever it then answers).
    granted = connect(world.desk, scopes=scope)
    assert getattr(granted.api, method)(url, data).status_code not in (401, 403)


def test_the_catalog_is_public_without_a_token(world):
    assert Client().get("/api/v1/procedures/").status_code == 200
    assert Client().get("/api/v1/agencies/").status_code == 200


def test_tokens_are_stored_hashed_and_never_read_from_the_address(world):
    system = connect(world.desk)
    assert not AccessToken.objects.filter(token=system.token).exists()  # RFC 9700: only a checksum is kept
    assert_problem(Client().get("/api/v1/dossiers/", {"access_token": system.token}), 401, "not-authenticated")
