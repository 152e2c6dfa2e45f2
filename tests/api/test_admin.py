"""Connecting a system in the admin: a superuser binds an OAuth 2.0 application to agencies and scopes; an agency's
administrator cannot (a client reaches the dossiers of any agency it is bound to)."""

import pytest
from django.test import Client
from oauth2_provider.models import Application

from accounts.models import Role
from api.models import ApiClient
from tests.api.conftest import issue_token
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_superuser_connects_a_system_in_the_admin(world):
    operator = UserFactory(username="vanhanh", is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(operator)
    application = Application.objects.create(
        name="Phần mềm Sở Tư pháp", client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS, client_secret="bi-mat-cua-so-tu-phap-0123")
    assert browser.get("/admin/api/apiclient/add/").status_code == 200
    response = browser.post("/admin/api/apiclient/add/", {
        "application": application.pk, "agencies": [world.desk.pk], "scope_choices": ["catalog:read", "dossiers:read"],
        "requests_per_minute": "30", "is_active": "on", "contact": "Phòng CNTT"})
    assert response.status_code == 302, response.content.decode()[:3000]
    client = ApiClient.objects.get(application=application)
    assert client.scope_list == ["catalog:read", "dossiers:read"] and list(client.agencies.all()) == [world.desk]
    assert issue_token(application.client_id, "bi-mat-cua-so-tu-phap-0123")
    assert browser.get("/admin/api/apiclient/").status_code == 200


def test_an_application_for_another_grant_type_is_refused(world):
    operator = UserFactory(username="vanhanh", is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(operator)
    application = Application.objects.create(
        name="Ứng dụng web", client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE, redirect_uris="https://example.vn/cb")
    response = browser.post("/admin/api/apiclient/add/", {"application": application.pk, "agencies": [world.desk.pk],
                                                         "scope_choices": ["catalog:read"], "is_active": "on"})
    assert response.status_code == 200 and "Client credentials" in response.content.decode()
    assert not ApiClient.objects.exists()


def test_an_agency_administrator_does_not_manage_api_clients(world):
    admin = UserFactory(username="quantri.so", is_staff=True)
    MembershipFactory(user=admin, agency=world.province, role=Role.ADMIN)
    browser = Client()
    browser.force_login(admin)
    assert browser.get("/admin/api/apiclient/").status_code in (302, 403, 404)
    assert "apiclient" not in browser.get("/admin/").content.decode()
