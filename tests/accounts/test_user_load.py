"""The session's user, loaded with their memberships (accounts.selectors.user_with_memberships): one statement for
staff, the memberships as they are at each request, and the checks on the user kept (inactive accounts, sign out
everywhere)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role, StaffMembership, User
from accounts.selectors import memberships_of, user_with_memberships
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def user_and_membership_queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    reads = [q["sql"] for q in queries.captured_queries
             if 'FROM "accounts_user"' in q["sql"] or 'FROM "accounts_staffmembership"' in q["sql"]]
    return response, reads


def test_a_staff_member_and_their_memberships_are_read_in_one_statement(client, world):
    clerk = world.user("clerk@desk")
    client.force_login(clerk)
    client.get(reverse("workspace:home"))
    response, reads = user_and_membership_queries(client, reverse("workspace:home"))
    assert response.status_code == 200 and len(reads) == 1
    assert response.context["desks"] == [world.desk]


def test_a_citizen_is_read_with_no_membership(client, world):
    client.force_login(world.citizen)
    response, reads = user_and_membership_queries(client, "/")
    assert response.status_code == 200 and len(reads) == 2  # no membership, then the user
    assert reverse("portal:mine") in response.content.decode()  # the citizen's link, not the staff's
    user = user_with_memberships(world.citizen.pk)
    assert user == world.citizen and memberships_of(user=user) == []


def test_the_memberships_are_those_of_the_moment(client, world):
    clerk = world.user("clerk@desk")
    client.force_login(clerk)
    assert client.get(reverse("workspace:home")).context["desks"] == [world.desk]
    MembershipFactory(user=clerk, agency=world.other_desk, role=Role.CLERK)
    assert set(client.get(reverse("workspace:home")).context["desks"]) == {world.desk, world.other_desk}
    StaffMembership.objects.filter(user=clerk).update(is_active=False)
    assert client.get(reverse("workspace:home")).status_code == 404


def test_an_account_made_inactive_is_signed_out(client, world):
    clerk = world.user("clerk@desk")
    client.force_login(clerk)
    User.objects.filter(pk=clerk.pk).update(is_active=False)
    response = client.get(reverse("workspace:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_a_changed_session_salt_ends_the_staff_session(client, world):
    clerk = world.user("clerk@desk")
    client.force_login(clerk)
    User.objects.filter(pk=clerk.pk).update(session_salt="0" * 32)
    response = client.get(reverse("workspace:home"))
    assert response.status_code == 302
