"""The admin: an agency's administrator is staff, not a superuser, and reads and manages only their own agencies'
dossiers, agencies, users and memberships; records written by the services are read-only for everybody; every
admin page carries the Content Security Policy."""

import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import Role, StaffMembership, User
from demo import data as demo
from dossiers import services
from dossiers.models import (
    Apology,
    ApologyProposal,
    Attachment,
    ClockPause,
    Dossier,
    DossierEvent,
    SupplementRequest,
)
from procedures.models import Agency, AgencyKind, CalendarException, CalendarExceptionKind
from surveys.models import Answer, EvaluationIndices, FollowUp, QuestionnaireResponse, Rating
from tests.factories import (
    AgencyFactory,
    MembershipFactory,
    ProcedureFactory,
    RequiredDocumentFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Every model whose rows only the services write (with their event rows and notifications).
SERVICE_RECORDS = [Dossier, DossierEvent, SupplementRequest, Apology, ApologyProposal, Attachment, ClockPause,
                   Rating, EvaluationIndices, QuestionnaireResponse, Answer, FollowUp]
ADMINISTRATORS_GROUP = "Quản trị cơ quan"
OTHER_NAME, OTHER_PHONE, OTHER_ID = "Hoàng Thị Tỉnh Khác", "0987654321", "080199001122"


class Provinces:
    """Tây Ninh (H61) as the demo loads it, with its administrator `quantri`; another province, H62, with its
    desk, a clerk and a dossier carrying an applicant's name, phone and ID number."""

    def __init__(self):
        self.agencies = demo.load_agencies()
        demo.load_users(self.agencies)
        self.admin = User.objects.get(username="quantri")
        self.desk = self.agencies["H61.22.10"]
        self.other = AgencyFactory(identifier="H62", name="Ủy ban nhân dân tỉnh Khác", kind=AgencyKind.PROVINCE,
                                   is_one_stop_desk=False, parent=None)
        self.other_desk = AgencyFactory(identifier="H62.22.10", name="Trung tâm Phục vụ hành chính công Khác",
                                        kind=AgencyKind.COMMUNE_CENTRE, parent=self.other)
        self.other_clerk = UserFactory(username="motcua.tinhkhac", full_name="Cán bộ tỉnh khác")
        MembershipFactory(user=self.other_clerk, agency=self.other_desk, role=Role.CLERK)
        self.procedure = ProcedureFactory(name="Thủ tục hai tỉnh")
        self.procedure.agencies.add(self.desk, self.other_desk)
        self.document = RequiredDocumentFactory(procedure=self.procedure, position=1)
        self.mine = self.dossier(self.desk, "Lê Văn Tây Ninh", "0911222333", "079111222333")
        self.theirs = self.dossier(self.other_desk, OTHER_NAME, OTHER_PHONE, OTHER_ID)

    def dossier(self, desk, name, phone, id_number) -> Dossier:
        return services.dossier_create(
            procedure=self.procedure, receiving_agency=desk, channel=2, actor=services.APPLICANT,
            applicant=services.ApplicantData(name=name, id_number=id_number, phone=phone),
            provided_required_document_ids=[self.document.pk])


@pytest.fixture
def world() -> Provinces:
    return Provinces()


@pytest.fixture
def admin_of_h61(client, world):
    client.force_login(world.admin)
    return client


def page(client, url, **params):
    response = client.get(url, params)
    return response, response.content.decode()


# ---------------------------------------------------------------- who the administrator is
def test_the_administrator_is_staff_in_the_group_and_not_a_superuser(world):
    administrator = world.admin
    assert administrator.is_staff and not administrator.is_superuser
    assert administrator.groups.filter(name=ADMINISTRATORS_GROUP).exists()
    for perm in ("procedures.change_procedure", "procedures.add_agency", "procedures.add_calendarexception",
                 "accounts.add_user", "accounts.change_staffmembership", "surveys.change_question",
                 "dossiers.view_dossier", "surveys.view_rating"):
        assert administrator.has_perm(perm), perm
    for perm in ("dossiers.change_dossier", "dossiers.add_supplementrequest", "dossiers.change_apology",
                 "dossiers.delete_dossierevent", "surveys.change_rating", "auth.change_group"):
        assert not administrator.has_perm(perm), perm
    # No one else the demo loads is staff.
    assert set(User.objects.filter(is_staff=True).values_list("username", flat=True)) == {"quantri"}
    assert not User.objects.filter(is_superuser=True).exists()


def test_the_migration_made_the_group_with_its_permissions():
    group = Group.objects.get(name=ADMINISTRATORS_GROUP)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"change_procedure", "add_agency", "change_user", "add_staffmembership", "view_dossier"} <= codenames
    assert not {"change_dossier", "add_dossierevent", "change_supplementrequest", "delete_apology",
                "change_rating", "add_user_permissions"} & codenames


def test_a_user_made_administrator_in_the_admin_becomes_staff_not_superuser(client, world):
    operator = UserFactory(username="vanhanh", is_staff=True, is_superuser=True)
    client.force_login(operator)
    response = client.post(reverse("admin:accounts_user_add"), {
        "username": "quantri.tinhkhac", "full_name": "Quản trị tỉnh khác", "usable_password": "true",
        "password1": "mat-khau-rat-dai-2026", "password2": "mat-khau-rat-dai-2026",
        "agency": world.other.pk, "role": Role.ADMIN,
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    created = User.objects.get(username="quantri.tinhkhac")
    assert created.is_staff and not created.is_superuser
    assert created.groups.filter(name=ADMINISTRATORS_GROUP).exists()
    assert StaffMembership.objects.filter(user=created, agency=world.other, role=Role.ADMIN).exists()


# ---------------------------------------------------------------- dossiers: the workspace's scope
def test_another_provinces_dossier_is_neither_listed_nor_opened(admin_of_h61, world):
    listing, body = page(admin_of_h61, reverse("admin:dossiers_dossier_changelist"))
    assert listing.status_code == 200
    assert world.mine.code in body and world.theirs.code not in body
    searched = admin_of_h61.get(reverse("admin:dossiers_dossier_changelist"), {"q": world.theirs.code})
    assert searched.context["cl"].result_count == 0

    change = admin_of_h61.get(reverse("admin:dossiers_dossier_change", args=[world.theirs.pk]), follow=True)
    body = change.content.decode()
    assert change.redirect_chain and change.redirect_chain[0][1] == 302
    assert OTHER_NAME not in body and OTHER_PHONE not in body and OTHER_ID not in body
    history = admin_of_h61.get(reverse("admin:dossiers_dossier_history", args=[world.theirs.pk]))
    assert history.status_code == 302

    own, body = page(admin_of_h61, reverse("admin:dossiers_dossier_change", args=[world.mine.pk]))
    assert own.status_code == 200 and "Lê Văn Tây Ninh" in body


def test_the_dossiers_records_are_scoped_too(admin_of_h61, world):
    _response, body = page(admin_of_h61, reverse("admin:dossiers_dossierevent_changelist"))
    assert world.mine.code in body and world.theirs.code not in body
    event = DossierEvent.objects.filter(dossier=world.theirs).first()
    assert admin_of_h61.get(reverse("admin:dossiers_dossierevent_change", args=[event.pk])).status_code == 302


def test_a_superuser_without_membership_reads_no_dossier(client, world):
    client.force_login(UserFactory(username="vanhanh", is_staff=True, is_superuser=True))
    _response, body = page(client, reverse("admin:dossiers_dossier_changelist"))
    assert world.mine.code not in body and world.theirs.code not in body


# ---------------------------------------------------------------- records written by the services
def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_service_records_cannot_be_added_changed_or_deleted_even_by_a_superuser(world):
    superuser = UserFactory(username="vanhanh", is_staff=True, is_superuser=True)
    allowed = []
    for model in SERVICE_RECORDS:
        model_admin = admin.site._registry.get(model)
        if model_admin is not None:
            for user in (superuser, world.admin):
                request = _request(user)
                granted = {"add": model_admin.has_add_permission(request),
                           "change": model_admin.has_change_permission(request, None),
                           "delete": model_admin.has_delete_permission(request, None)}
                allowed += [(model.__name__, user.username, what) for what, yes in granted.items() if yes]
        # Shown inside another model's page (an inline): the same holds there.
        inlines = [inline(parent.model, admin.site) for parent in admin.site._registry.values()
                   for inline in parent.inlines if inline.model is model]
        assert model_admin is not None or inlines, f"{model.__name__} is neither registered nor an inline"
        for inline in inlines:
            request = _request(superuser)
            granted = {"add": inline.has_add_permission(request, None),
                       "change": inline.has_change_permission(request, None),
                       "delete": inline.has_delete_permission(request, None)}
            allowed += [(f"{model.__name__} (inline)", "vanhanh", what) for what, yes in granted.items() if yes]
    assert allowed == []


def test_supplement_requests_and_apologies_cannot_be_edited_over_http(client, world):
    clerk = UserFactory(username="motcua.h61")
    MembershipFactory(user=clerk, agency=world.desk, role=Role.CLERK)
    supplement = services.dossier_request_supplement(dossier=world.mine, actor=clerk, items=["Bản sao giấy tờ"])
    request = SupplementRequest.objects.get(dossier=supplement)
    superuser = UserFactory(username="vanhanh", is_staff=True, is_superuser=True)
    MembershipFactory(user=superuser, agency=world.agencies["H61"], role=Role.ADMIN)
    client.force_login(superuser)
    change_url = reverse("admin:dossiers_supplementrequest_change", args=[request.pk])
    assert client.get(change_url).status_code == 200  # readable, in scope
    edited = client.post(change_url, {"items": '["Giả mạo"]', "reason": "sửa tay", "number": 1})
    assert edited.status_code == 403
    assert client.post(reverse("admin:dossiers_supplementrequest_delete", args=[request.pk]),
                       {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:dossiers_supplementrequest_add")).status_code == 403
    assert client.get(reverse("admin:dossiers_apology_add")).status_code == 403
    assert client.get(reverse("admin:dossiers_apologyproposal_add")).status_code == 403
    request.refresh_from_db()
    assert request.items == ["Bản sao giấy tờ"]


# ---------------------------------------------------------------- agencies, users, memberships: the subtree
def test_agencies_users_and_memberships_of_another_province_are_out_of_reach(admin_of_h61, world):
    _response, body = page(admin_of_h61, reverse("admin:procedures_agency_changelist"))
    assert "H61.22.10" in body and "H62" not in body
    assert admin_of_h61.get(reverse("admin:procedures_agency_change", args=[world.other_desk.pk])).status_code == 302

    _response, body = page(admin_of_h61, reverse("admin:accounts_user_changelist"))
    assert "motcua.longan" in body and "motcua.tinhkhac" not in body
    assert admin_of_h61.get(reverse("admin:accounts_user_change", args=[world.other_clerk.pk])).status_code == 302
    assert admin_of_h61.get(reverse("admin:auth_user_password_change",
                                    args=[world.other_clerk.pk])).status_code in (302, 404)

    _response, body = page(admin_of_h61, reverse("admin:accounts_staffmembership_changelist"))
    assert "Cán bộ tỉnh khác" not in body

    # Nor offered in a form's choices.
    autocomplete = admin_of_h61.get(reverse("admin:autocomplete"), {
        "term": "Khác", "app_label": "accounts", "model_name": "staffmembership", "field_name": "agency"})
    assert autocomplete.status_code == 200 and "H62" not in autocomplete.content.decode() \
        and str(world.other_desk.pk) not in [r["id"] for r in autocomplete.json()["results"]]


def test_the_administrator_adds_users_only_to_their_own_agencies(admin_of_h61, world):
    form = {"username": "motcua.moi", "full_name": "Cán bộ mới", "usable_password": "true",
            "password1": "mat-khau-rat-dai-2026", "password2": "mat-khau-rat-dai-2026", "role": Role.CLERK}
    refused = admin_of_h61.post(reverse("admin:accounts_user_add"), {**form, "agency": world.other_desk.pk})
    assert refused.status_code == 200 and not User.objects.filter(username="motcua.moi").exists()
    without = admin_of_h61.post(reverse("admin:accounts_user_add"), {**form, "agency": "", "role": ""})
    assert without.status_code == 200 and not User.objects.filter(username="motcua.moi").exists()
    added = admin_of_h61.post(reverse("admin:accounts_user_add"), {**form, "agency": world.desk.pk})
    assert added.status_code == 302
    user = User.objects.get(username="motcua.moi")
    assert StaffMembership.objects.filter(user=user, agency=world.desk, role=Role.CLERK).exists()
    assert not user.is_staff and not user.is_superuser
    assert admin_of_h61.get(reverse("admin:accounts_user_change", args=[user.pk])).status_code == 200


def test_the_administrator_cannot_grant_superuser_or_permissions(world):
    clerk = User.objects.get(username="motcua.longan")
    user_admin = admin.site._registry[User]
    readonly = user_admin.get_readonly_fields(_request(world.admin), clerk)
    assert {"is_superuser", "is_staff", "groups", "user_permissions"} <= set(readonly)
    # ... nor change a superuser, even one with a membership in the province.
    operator = UserFactory(username="vanhanh", is_staff=True, is_superuser=True)
    MembershipFactory(user=operator, agency=world.desk, role=Role.CLERK)
    assert not user_admin.has_change_permission(_request(world.admin), operator)
    assert user_admin.has_change_permission(_request(world.admin), clerk)


def test_a_new_agency_goes_under_the_administrators_tree(admin_of_h61, world):
    data = {"name": "Trung tâm mới", "short_name": "", "identifier": "H61.22.13", "kind": AgencyKind.COMMUNE_CENTRE,
            "morning_open": "07:00", "morning_close": "11:30", "afternoon_open": "13:30", "afternoon_close": "17:00"}
    top_level = admin_of_h61.post(reverse("admin:procedures_agency_add"), {**data, "parent": ""})
    assert top_level.status_code == 200 and not Agency.objects.filter(identifier="H61.22.13").exists()
    elsewhere = admin_of_h61.post(reverse("admin:procedures_agency_add"), {**data, "parent": world.other.pk})
    assert elsewhere.status_code == 200 and not Agency.objects.filter(identifier="H61.22.13").exists()
    added = admin_of_h61.post(reverse("admin:procedures_agency_add"), {**data, "parent": world.agencies["H61"].pk})
    assert added.status_code == 302 and Agency.objects.get(identifier="H61.22.13").parent == world.agencies["H61"]


def test_the_administrator_edits_their_provinces_calendar_not_the_nations(admin_of_h61, world):
    national = CalendarException.objects.create(date="2026-12-04", kind=CalendarExceptionKind.DAY_OFF,
                                                note="Nghỉ toàn quốc")
    other = CalendarException.objects.create(date="2026-12-05", kind=CalendarExceptionKind.WORKING_DAY,
                                             note="Làm bù tỉnh khác", province=world.other)
    _response, body = page(admin_of_h61, reverse("admin:procedures_calendarexception_changelist"))
    assert "Nghỉ toàn quốc" in body and "Làm bù tỉnh khác" not in body
    changed = admin_of_h61.post(reverse("admin:procedures_calendarexception_change", args=[national.pk]),
                                {"date": "2026-12-04", "kind": CalendarExceptionKind.WORKING_DAY, "note": "Sửa"})
    assert changed.status_code == 403
    assert admin_of_h61.get(reverse("admin:procedures_calendarexception_change", args=[other.pk])).status_code == 302
    added = admin_of_h61.post(reverse("admin:procedures_calendarexception_add"), {
        "date": "2026-12-07", "kind": CalendarExceptionKind.DAY_OFF, "note": "Lễ địa phương",
        "province": world.agencies["H61"].pk})
    assert added.status_code == 302
    assert CalendarException.objects.get(note="Lễ địa phương").province == world.agencies["H61"]


def test_saving_a_procedure_keeps_the_other_provinces_desks(admin_of_h61, world):
    procedure = world.procedure
    response = admin_of_h61.get(reverse("admin:procedures_procedure_change", args=[procedure.pk]))
    form = response.context["adminform"].form
    assert world.other_desk not in form.fields["agencies"].queryset
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({"agencies": [world.desk.pk], "field": procedure.field_id, "deadline_amount": "5"})
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data.update({f"{management.prefix}-{key}": value for key, value in management.initial.items()})
        for inline_form in formset.formset.forms:
            data.update({f"{inline_form.prefix}-{k}": v for k, v in inline_form.initial.items() if v is not None})
            data.update({f"{inline_form.prefix}-id": inline_form.instance.pk,
                         f"{inline_form.prefix}-procedure": procedure.pk})
    data = {k: (v.pk if hasattr(v, "pk") else v) for k, v in data.items()}
    saved = admin_of_h61.post(reverse("admin:procedures_procedure_change", args=[procedure.pk]), data)
    assert saved.status_code == 302, saved.content.decode()[:3000]
    assert set(procedure.agencies.all()) == {world.desk, world.other_desk}


# ---------------------------------------------------------------- Content Security Policy
INLINE = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>|<style[\s>]|\sstyle=\"", re.IGNORECASE)


def test_the_admin_pages_carry_the_policy_and_need_nothing_inline(client, admin_of_h61, world):
    login = client.get(reverse("admin:login"))
    assert "script-src 'self'" in login["Content-Security-Policy"]
    anonymous = type(client)()
    login = anonymous.get(reverse("admin:login"))
    assert login.status_code == 200 and "style-src 'self'" in login["Content-Security-Policy"]
    assert not INLINE.search(login.content.decode())
    for url in (reverse("admin:index"), reverse("admin:dossiers_dossier_changelist"),
                reverse("admin:dossiers_dossier_change", args=[world.mine.pk]),
                reverse("admin:accounts_user_change", args=[world.admin.pk]),
                reverse("admin:procedures_agency_add"),
                reverse("admin:procedures_calendar_year") + "?year=2026"):
        response = admin_of_h61.get(url)
        assert response.status_code == 200, url
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy and "unsafe-inline" not in policy
        found = INLINE.search(response.content.decode())
        assert not found, f"{url}: {found and found.group(0)}"


def test_a_key_beyond_64_bits_in_a_select_is_an_invalid_choice_not_a_server_error(client, db):
    root = User.objects.create_superuser(username="root", password="x", email="root@example.vn")
    client.force_login(root)
    url = reverse("admin:accounts_user_change", args=[root.pk])
    page = client.post(url, {"username": "root", "groups": "-9999999999999999999",
                             "user_permissions": "99999999999999999999", "date_joined_0": "01/01/2026",
                             "date_joined_1": "08:00:00"})
    assert page.status_code == 200  # the form again, with its errors (it was a 500 OverflowError on SQLite)
    assert page.context["adminform"].form.errors.keys() >= {"groups", "user_permissions"}
    assert list(User.objects.get(pk=root.pk).groups.all()) == []
