"""{% shell %} (core/templatetags/shell.py): the layout's header and footer are rendered once per language and kind
of visitor and reused; each request still gets its own name, count, csrf token and address, escaped, and never
another visitor's."""

import re

import pytest
from django.template import engines
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from accounts.models import Role
from tests.factories import AgencyFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

DJANGO = engines["django"]
NAV = re.compile(r'<nav aria-label="[^"]*" class="main-nav">(.*?)</nav>', re.S)


def nav(html: str) -> str:
    return NAV.search(html).group(1)


def csrf_inputs(html: str) -> list[str]:
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)


def test_each_visitor_sees_their_own_name_links_and_token_never_the_previous_ones(client):
    agency = AgencyFactory()
    first = UserFactory(full_name='Trần <b>"Mai"</b> & Co')
    MembershipFactory(user=first, agency=agency, role=Role.CLERK)
    second = UserFactory(full_name="Lê Văn Hùng")  # a citizen: "Hồ sơ của tôi", no staff links

    client.force_login(first)
    html = client.get("/").content.decode()
    assert '<span class="who">Trần &lt;b&gt;&quot;Mai&quot;&lt;/b&gt; &amp; Co</span>' in html
    assert reverse("workspace:home") in nav(html) and reverse("portal:mine") not in nav(html)
    assert reverse("accounts:login") not in nav(html)
    tokens = csrf_inputs(html)
    assert len(tokens) == 2 and tokens[0] == tokens[1] and len(tokens[0]) == 64  # the logout and language forms

    other = Client()
    other.force_login(second)
    html = other.get("/").content.decode()
    assert "Lê Văn Hùng" in html and "Mai" not in html
    assert reverse("portal:mine") in nav(html) and reverse("workspace:home") not in nav(html)

    html = Client().get("/").content.decode()
    assert "Lê Văn Hùng" not in html and 'class="who"' not in html
    assert reverse("accounts:login") in nav(html)
    assert len(csrf_inputs(html)) == 1


def test_the_language_switch_gets_this_request_s_address_escaped_and_a_token_that_works(client):
    strict = Client(enforce_csrf_checks=True)
    path = '/thu-tuc/?q="><script>x</script>&field='
    response = strict.get(path)
    html = response.content.decode()
    full_path = response.wsgi_request.get_full_path()
    assert f'<input name="next" type="hidden" value="{escape(full_path)}">' in html
    assert "<script>x" not in html
    [token] = csrf_inputs(html)
    switched = strict.post(reverse("set_language"), {"language": "en", "next": "/", "csrfmiddlewaretoken": token})
    assert switched.status_code == 302
    english = strict.get("/").content.decode()
    assert '<html lang="en">' in english and '<option value="en" selected>' in english
    assert 'href="/thu-tuc/"' in nav(english)
    vietnamese = Client().get("/").content.decode()
    assert '<option value="vi" selected>' in vietnamese
    # The same links, each page in its own language.
    assert nav(english).count("<a ") == nav(vietnamese).count("<a ")


def test_a_leader_sees_their_open_follow_up_count(client):
    leader = UserFactory()
    MembershipFactory(user=leader, agency=AgencyFactory(), role=Role.LEADER)
    client.force_login(leader)
    html = client.get("/").content.decode()
    assert re.search(r'id="nav-follow-ups">[^<]*<span class="count">0</span>', html)


SHELL_CASES = [
    {},  # rendered without a request: no token, no address
    {"csrf_token": "NOTPROVIDED"},
    {"csrf_token": "abc<d>", "request": None, "user": None},
    {"open_follow_ups": 1234567, "staff_memberships": [1], "can_see_reports": True},
]
BODY = ('<p>{% load i18n %}{% translate "Đăng xuất" %} {% url "home" %} {% csrf_token %} {{ open_follow_ups }}'
        '{% if staff_memberships %}staff{% endif %}{% if can_see_reports %}reports{% endif %}</p>')


@pytest.mark.parametrize("context", SHELL_CASES)
def test_a_part_renders_exactly_as_without_the_tag(context):
    plain = DJANGO.from_string(BODY)
    shelled = DJANGO.from_string("{% load shell %}{% shell %}" + BODY + "{% endshell %}")
    for _ in range(2):  # the stored render, then the reuse
        assert shelled.render(context) == plain.render(context)


def test_a_variable_the_tag_does_not_know_is_never_kept_from_one_request_for_another():
    shelled = DJANGO.from_string("{% load shell %}{% shell %}[{{ secret }}]{% endshell %}")
    assert shelled.render({"secret": "one visitor's"}) == "[]"


def test_a_block_a_child_template_fills_is_rendered_with_the_child_s_content(client):
    child = DJANGO.from_string('{% extends "base.html" %}{% block nav_extra %}<a id="extra">Thêm</a>{% endblock %}')
    plain = DJANGO.from_string('{% extends "base.html" %}')
    for _ in range(2):
        assert '<a id="extra">Thêm</a>' in child.render({})
        assert 'id="extra"' not in plain.render({})
