"""The authorization matrix's machinery (used by tests/security/test_authorization.py).

* `routes()` walks the root URLconf, the Django admin's included, into every URL pattern with its parameters.
* `PARAMETERS` says what each URL parameter names: an object (its kind), a value that follows from that object
  (an attachment of the dossier, a form number, a rating token), or a choice of values. A parameter missing from
  the table, or with another converter than the table's, is a `MatrixGap` ("add this parameter to the matrix"):
  a new URL pattern is covered automatically, or fails, but never slips through. `EXTRA_PARAMETERS` adds what a
  page reads from its query string or form instead of its address (a payment's reference).
* `Matrix.build()` makes the world: province A (H61) with desks A1 and A2, a department for each, and province B
  (H62) with its desk and department; staff of every role; three citizens with accounts. Each desk's series holds
  dossiers in eleven states, made through dossiers/services.py on the fixed timeline of tests/builders.py,
  each with its own file, and the records hanging off them (supplement requests, an apology and its proposal,
  ratings, a follow-up, a questionnaire, indices, notifications, an access-log row, a correction request, an
  archive mark, two payments, a DVCQG sync row, and — each department having a signing certificate — the signed
  results of the approvals), plus calendar exceptions, authenticator devices, sign-in lockout rows, and a system
  connected to the API (an OAuth 2.0 application, its ApiClient bound to desk A1, its access token).
* The entitlement rule the application is held to is written here, independently of the application's selectors:
  a staff member reaches the dossiers their agency received, handled or was handed (an inspector or administrator:
  of their agency's whole subtree), and so does an API client for its agencies; a citizen their own dossiers; an
  anonymous visitor the dossier tracked in their session. Personal data (names, phones, ID numbers, e-mails,
  correction texts, rating comments, payment descriptions, file contents) is distinctive per owner, so any response
  can be searched for what its reader may not see.
* `EXPECTATIONS` (and `ADMIN_EXPECTATIONS`, by model) hold the newer apps' pages (payments/, printing/'s signed
  results, api/ and /o/, integrations/) to the answer each actor must get: 404 for another's dossier on a citizen's
  page, 200 for staff and a refusal for anyone else on a staff page, 401/403 problem+json for a session on the
  API's authenticated endpoints and 200 from its public catalogue, superusers only on the admin of models no
  agency administrator manages.
* `Matrix.send()` runs one request in a savepoint rolled back afterwards (every request sees the same world; a POST
  that did change something is caught by comparing a snapshot taken inside the savepoint) and classifies it.
"""

from __future__ import annotations

import html
import io
import json
import re
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.cookies import SimpleCookie
from importlib import import_module
from itertools import product
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.admin import ModelAdmin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import get_converters
from django.utils import timezone
from django.utils.regex_helper import normalize

from accounts.models import Role, StaffMembership, User
from consultations.models import Consultation, ConsultationFile
from dossiers import services
from dossiers.access import TRACKED_KEY
from dossiers.models import (
    Apology,
    ApologyProposal,
    Attachment,
    ClockPause,
    Dossier,
    DossierEvent,
    FormNumber,
    SupplementRequest,
)
from feedback.models import Feedback, FeedbackEvent
from notifications.models import Notification
from procedures.models import Agency, AgencyKind, CalendarException, CalendarExceptionKind, Field, Procedure
from surveys import services as survey_services
from surveys.models import EvaluationIndices, FollowUp, Question, QuestionnaireResponse, Rating, Via
from surveys.tokens import make_token
from tests.builders import T_FORWARD, T_RECEIVE, T_STEP, T_SUBMIT, World, at, pdf_file, upload, vn
from tests.factories import AgencyFactory, UserFactory


class MatrixGap(Exception):
    """A URL parameter (or object kind) the matrix does not know: the test must be told what it names."""


# ================================================================ the URLconf
_CONVERTER_NAMES = {type(conv): name for name, conv in get_converters().items()}


@dataclass(frozen=True)
class Param:
    name: str
    converter: str  # "int", "str", "slug", "path", "uuid", or "regex" (a group of a regex pattern)
    regex: str = ""  # the group's body, for regex patterns


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name" ("namespace:?" when unnamed)
    label: str  # the pattern as written: "/can-bo/ho-so/<int:pk>/"
    template: str  # "/can-bo/ho-so/%(pk)s/"
    params: tuple[Param, ...]
    callback: object = field(compare=False, repr=False)

    def url(self, values: dict[str, str]) -> str:
        return self.template % {k: quote(str(v), safe="~:@-._") for k, v in values.items()}

    @property
    def model_admin(self) -> ModelAdmin | None:
        """The ModelAdmin serving this admin page (None for other pages)."""
        found = getattr(self.callback, "model_admin", None)
        if found is None:  # views wrapped by AdminSite.admin_view only (UserAdmin's password page)
            found = getattr(getattr(self.callback, "__wrapped__", None), "__self__", None)
        return found if isinstance(found, ModelAdmin) else None


_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>(?:[^()]|\([^()]*\))*)\)")


def _level(pattern) -> tuple[str, list[Param]]:
    regex = pattern.regex.pattern
    forms = normalize(regex)
    if len(forms) != 1:  # pragma: no cover - optional groups: not used by this project
        raise MatrixGap(f"pattern {pattern} has {len(forms)} forms: teach tests/security/matrix.py to build it")
    template, names = forms[0]
    converters = getattr(pattern, "converters", {})
    bodies = {m["name"]: m["body"] for m in _GROUP.finditer(regex)}
    params = [Param(n, _CONVERTER_NAMES.get(type(converters[n]), type(converters[n]).__name__)
                    if n in converters else "regex", "" if n in converters else bodies.get(n, ""))
              for n in names]
    return template, params


def routes() -> list[Route]:
    """Every URL pattern of the root URLconf, recursively (includes, the admin's model pages)."""
    found: list[Route] = []

    def walk(patterns, template: str, params: tuple, label: str, namespace: str):
        for p in patterns:
            level_template, level_params = _level(p.pattern)
            here = (template + level_template, params + tuple(level_params), label + str(p.pattern))
            if isinstance(p, URLResolver):
                walk(p.url_patterns, *here, f"{namespace}{p.namespace}:" if p.namespace else namespace)
            elif isinstance(p, URLPattern):
                found.append(Route(f"{namespace}{p.name or '?'}", "/" + here[2], "/" + here[0], here[1], p.callback))
            else:  # pragma: no cover - a new kind of URL entry: fail loudly rather than skip it
                raise MatrixGap(f"{label}{p.pattern}: unknown URL entry {type(p).__name__}")

    walk(get_resolver().url_patterns, "", (), "", "")
    return found


# ================================================================ what a URL parameter names
@dataclass(frozen=True)
class Names:
    """The parameter names the object under test, of `kind`; `show` gives its value."""

    kind: str
    show: Callable = lambda obj: obj.pk


@dataclass(frozen=True)
class Follows:
    """The parameter's value follows from the object under test (`Ctx`); `own_object` says it names an object of
    its own (an attachment), so it is also tried against the actor's own dossier (an attachment of another
    dossier must not be served under the actor's dossier)."""

    value: Callable
    needs: str | None = "dossier"  # the kind of object it follows from (None: any)
    own_object: bool = False


@dataclass(frozen=True)
class Choice:
    """The parameter takes each of these values (independent of the object)."""

    values: tuple[str, ...]


@dataclass(frozen=True)
class Ctx:
    matrix: Matrix
    route: Route
    subject: object  # what the Names parameters name
    follow: object  # what the Follows parameters follow from (the subject, or a foreign object)
    own: object  # a dossier other than the one under test whose rating token the actor may hold


# Kinds whose objects belong to nobody in particular (catalogue, questionnaire, groups, sign-in records, the DVCQG
# status mapping, the API's clients and their OAuth 2.0 applications and tokens): no foreign variant exists; every
# actor requests the one object.
GLOBAL_KINDS = {"procedure", "field", "question", "group", "axes_attempt", "axes_log", "axes_failure",
                "catalog_agency", "status_mapping", "api_client", "oauth_application", "oauth_access_token"}
# Kinds a public page shows to whoever holds their address (the QR code of a signed result: its verification page
# tells whether the stored document is genuine, and nothing of its content): every actor requests the A1 object,
# and the answer is still searched for what the actor may not read.
PUBLIC_KINDS = {"signature"}
DOSSIER_KINDS = {"dossier", "event", "supplement_request", "apology", "apology_proposal", "rating", "indices",
                 "questionnaire", "follow_up", "access", "correction", "archive", "notification", "payment",
                 "sync_row", "feedback", "consultation", "consultation_file"}


def _model_kinds() -> dict:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from oauth2_provider.models import get_access_token_model, get_application_model

    from api.models import ApiClient
    from integrations.models import StatusMapping
    from printing.models import SigningCertificate
    from privacy.models import CorrectionRequest, DossierArchive, PersonalDataAccess

    return {
        SigningCertificate: "signing_certificate", StatusMapping: "status_mapping", ApiClient: "api_client",
        get_application_model(): "oauth_application", get_access_token_model(): "oauth_access_token",
        Dossier: "dossier", DossierEvent: "event", SupplementRequest: "supplement_request", Apology: "apology",
        ApologyProposal: "apology_proposal", Rating: "rating", EvaluationIndices: "indices",
        QuestionnaireResponse: "questionnaire", FollowUp: "follow_up", PersonalDataAccess: "access",
        CorrectionRequest: "correction", DossierArchive: "archive", Notification: "notification",
        Agency: "agency", User: "user", StaffMembership: "membership", Procedure: "procedure", Field: "field",
        CalendarException: "calendar_exception", Question: "question", Group: "group", TOTPDevice: "totp_device",
        AccessAttempt: "axes_attempt", AccessLog: "axes_log", AccessFailureLog: "axes_failure",
    }


# `pk` of the site's own views (not the admin's, whose model says it): by URL name, or "namespace:*".
PK_KINDS = {
    "workspace:*": "dossier",
    "surveys_staff:kiosk": "dossier",
    "surveys_staff:indices": "dossier",
    "surveys_staff:follow_up": "follow_up",
    "outbox:retry": "notification",
    "privacy:correction_sent": "correction",
    "privacy:correction_close": "correction",
    "admin:view_on_site": "dossier",  # object_id next to content_type_id
    "integrations:retry": "sync_row",
    "integrations:skip": "sync_row",
    "feedback_staff:detail": "feedback",
    "consultations:detail": "consultation",
    "consultations:file": "consultation_file",
    "consultations:ask": "dossier",
}


def _gap(route: Route, param: Param, why: str = "") -> MatrixGap:
    return MatrixGap(f"{route.name} {route.label}: parameter <{param.converter}:{param.name}>{why} — add this "
                     f"parameter to the matrix (tests/security/matrix.py PARAMETERS / PK_KINDS)")


def _object_kind(route: Route, param: Param) -> Names:
    admin = route.model_admin
    if admin is not None:
        kind = _model_kinds().get(admin.model)
        if kind is None:
            raise _gap(route, param, f" names a {admin.model.__name__} (a model the matrix has no kind for)")
        return Names(kind)
    namespace = route.name.split(":")[0]
    kind = PK_KINDS.get(route.name) or PK_KINDS.get(f"{namespace}:*")
    if kind is None:
        raise _gap(route, param, " of a view the matrix does not know")
    return Names(kind)


def _attachment(ctx: Ctx) -> str:
    return str(ctx.follow.attachments.order_by("pk").values_list("pk", flat=True).first())


def _form_number(ctx: Ctx) -> str:
    from workspace.views import printable_forms

    forms = printable_forms(ctx.follow)
    return forms[0][0] if forms else "01"


TOKEN_WAYS = {"surveys:kiosk": Via.KIOSK, "surveys:link": Via.LINK, "surveys:thanks": Via.LINK,
              "surveys:questionnaire": Via.LINK}


def _token(ctx: Ctx) -> str:
    """A valid token of the A1 reference dossier (one the actor could hold): with another dossier's code in the
    address it must open nothing."""
    return make_token(dossier_id=ctx.own.pk, via=TOKEN_WAYS.get(ctx.route.name, Via.LINK))


def _content_type(ctx: Ctx) -> str:
    return str(ContentType.objects.get_for_model(type(ctx.subject)).pk)


def _only(routes_: set[str], role):
    def resolve(route: Route, param: Param):
        if route.name not in routes_:
            raise _gap(route, param, " on a page the matrix does not know it for")
        return role(route, param) if callable(role) else role
    return resolve


def _action_names() -> tuple[str, ...]:
    from dossiers.actions import STAFF_ACTIONS as ACTIONS

    return tuple(ACTIONS)


def _alternatives(route: Route, param: Param) -> Choice:
    return Choice(tuple(param.regex.split("|")))


UNKNOWN_PROBLEM = "khong-co-loai-loi-nay"


def _problem_slugs(route: Route, param: Param) -> Choice:
    from api.problems import PROBLEM_TYPES

    return Choice((*sorted(PROBLEM_TYPES), UNKNOWN_PROBLEM))


def _payment_of(ctx: Ctx, status: str) -> str:
    from payments.models import Payment

    return Payment.objects.filter(dossier=ctx.follow, status=status).order_by("pk").values_list(
        "reference", flat=True).first() or "khong-co-khoan-nay"


def _paid_reference(ctx: Ctx) -> str:
    return _payment_of(ctx, "paid")


def _pending_reference(ctx: Ctx) -> str:
    return _payment_of(ctx, "pending")


# name -> (converters it may have, what it names for a route)
PARAMETERS: dict[str, tuple[set[str], Callable]] = {
    "pk": ({"int"}, _object_kind),
    "object_id": ({"path"}, _object_kind),
    "id": ({"str"}, _object_kind),  # the admin's user password page
    "code": ({"str"}, lambda r, p: Names("dossier", lambda d: d.code)),
    "agency_id": ({"int"}, lambda r, p: Names("desk")),
    "national_code": ({"str"}, lambda r, p: Names("procedure", lambda proc: proc.national_code)),
    "attachment_pk": ({"int"}, lambda r, p: Follows(_attachment, own_object=True)),
    "number": ({"str"}, _only({"workspace:form_pdf", "portal:form_pdf"}, Follows(_form_number))),
    "token": ({"str"}, lambda r, p: Follows(_token)),
    "content_type_id": ({"path"}, _only({"admin:view_on_site"}, Follows(_content_type, needs=None))),
    "name": ({"slug"}, _only({"workspace:action"}, lambda r, p: Choice(_action_names()))),
    "fmt": ({"str"}, _only({"privacy:my_data_download"}, Choice(("json", "zip")))),
    "app_label": ({"regex"}, _only({"admin:app_list"}, _alternatives)),
    "url": ({"regex"}, _only({"admin:?"}, Choice(("khong-co-trang-nay/",)))),
    "key": ({"uuid"}, _only({"printing:verify_stored"}, Names("signature", lambda s: s.key))),
    "slug": ({"slug"}, _only({"api:problem-type"}, _problem_slugs)),
    "identifier": ({"str"}, _only({"api:agency-detail"}, Names("catalog_agency", lambda a: a.identifier))),
}

# What some pages read from the query string ("query") or the posted form ("form", sent with every POST, foreign
# objects included) rather than the address: a payment's reference. Read like PARAMETERS (a payment named by its
# reference is an object under test of its own; one that follows from the dossier is also tried under the actor's
# own dossier).
EXTRA_PARAMETERS: dict[str, dict[str, tuple[str, object]]] = {
    "payments:receipt": {"tt": ("query", Follows(_paid_reference, own_object=True))},
    "payments:start": {"reference": ("form", Follows(_pending_reference, own_object=True))},
    "payments:return_vnpay": {"vnp_TxnRef": ("query", Names("payment", lambda pay: pay.reference))},
    "payment_staff:receipt": {"tt": ("query", Names("payment", lambda pay: pay.reference))},
}


@dataclass
class Plan:
    route: Route
    roles: dict[str, object]  # parameter name -> Names | Follows | Choice
    kind: str | None  # the kind of the object under test (None: the URL names none)
    where: dict[str, str] = field(default_factory=dict)  # EXTRA_PARAMETERS: name -> "query" | "form"

    @property
    def names_object(self) -> bool:
        return self.kind is not None


def plan(route: Route) -> Plan:
    roles = {}
    for param in route.params:
        entry = PARAMETERS.get(param.name)
        if entry is None:
            raise _gap(route, param)
        converters, resolve = entry
        if param.converter not in converters:
            raise _gap(route, param, f" with converter {param.converter!r} (known: {sorted(converters)})")
        roles[param.name] = resolve(route, param)
    where = {}
    for name, (place, role) in EXTRA_PARAMETERS.get(route.name, {}).items():
        if name in roles:  # pragma: no cover - a table mistake
            raise MatrixGap(f"{route.name} {route.label}: {name} is both in the address and in EXTRA_PARAMETERS")
        roles[name], where[name] = role, place
    kinds = {r.kind for r in roles.values() if isinstance(r, Names)}
    if len(kinds) > 1:
        raise MatrixGap(f"{route.name} {route.label}: parameters name objects of kinds {sorted(kinds)} — add this "
                        f"parameter combination to the matrix")
    kind = kinds.pop() if kinds else None
    for name, role in roles.items():
        if isinstance(role, Follows) and (kind is None or role.needs not in (None, kind)):
            raise MatrixGap(f"{route.name} {route.label}: parameter {name} follows from a {role.needs} and the "
                            f"address names {kind or 'nothing'} — add this parameter combination to the matrix")
    return Plan(route, roles, kind, where)


# ================================================================ the world
# Where each place sits (the test's own copy of the agency tree).
PARENT = {"desk": "province", "other_desk": "province", "dept": "province", "other_dept": "province",
          "province": None, "b_desk": "other_province", "b_dept": "other_province", "other_province": None}
SUBTREE_ROLES = {Role.INSPECTOR.value, Role.ADMIN.value}
ACTOR_PLACES = ("desk", "dept", "province")  # province A's desk, department, province
ROLES = tuple(Role.values)
# "api_client@desk": another system calling the API with the bearer token of an ApiClient bound to desk A1 (its
# requests carry that token everywhere, and no session).
API_CLIENT = "api_client@desk"
ACTOR_KEYS = ("anonymous", "citizen1", "citizen2", *(f"{role}@{place}" for place in ACTOR_PLACES for role in ROLES),
              API_CLIENT)
POSITIVE_ORDER = ("citizen1", "clerk@desk", "leader@desk", "officer@dept", "leader@dept", "inspector@province",
                  "admin@province", API_CLIENT, "superuser", "anonymous")

# Series: one desk's dossiers (tag -> desk, department it forwards to, owner's actor key).
SERIES = {"A1": ("desk", "dept", "citizen1"), "A2": ("other_desk", "other_dept", "citizen2"),
          "B1": ("b_desk", "b_dept", "citizen_b")}
STATES = ("submitted", "desk_supplement", "received", "processing", "supplement", "resolved", "returned", "rated",
          "surveyed", "refused", "archived")
FORWARDED = {"processing", "supplement", "resolved", "returned", "rated", "surveyed"}
# The state of the dossier a page is tried with (the one its entitled user would open it for).
ROUTE_STATES = {
    "workspace:action": "submitted", "workspace:form_pdf": "received", "portal:form_pdf": "received",
    "portal:submitted": "submitted", "portal:answer": "supplement", "surveys_staff:kiosk": "returned",
    "surveys:kiosk": "returned", "surveys:link": "returned", "surveys:tracking": "returned",
    "surveys:thanks": "rated", "surveys:questionnaire": "rated", "surveys_staff:indices": "rated",
    "portal:result": "resolved", "api:dossier-supplement": "supplement",
}
DEFAULT_STATE = "processing"
# Per-address rate limits count in the cache, which the requests' rollback does not undo: every actor (all from
# 127.0.0.1) would soon get 429 from the API's public endpoints (60 a minute) and the verification page (30 in ten
# minutes), and a 429 hides the answer under test. Off while the matrix runs (0: no limit for the API).
NO_RATE_LIMITS = {"API_REQUESTS_PER_MINUTE": 0, "API_ANONYMOUS_REQUESTS_PER_MINUTE": 0, "VERIFY_PER_10_MIN": 10**9}


def route_state(route: Route) -> str:
    return ROUTE_STATES.get(route.name, DEFAULT_STATE)


def descendants(place: str) -> set[str]:
    out, frontier = set(), {place}
    while frontier:
        frontier = {p for p, parent in PARENT.items() if parent in frontier} - out
        out |= frontier
    return out


def places_of(role: str, place: str) -> set[str]:
    return {place} | (descendants(place) if role in SUBTREE_ROLES else set())


# Personal data and the case's own contents, each of a shape the scanner finds in one pass: names and other
# phrases "<prefix> <TAG>-<nn>", numbers (phones 10 digits, ID numbers 12), e-mails, file tokens inside the PDFs.
PHRASE_PREFIXES = ("Người Nộp", "Địa Chỉ Riêng", "Yêu Cầu Riêng", "Giấy Tờ Riêng", "Lý Do Riêng", "Ghi Chú Riêng",
                   "Tên Cũ", "Tên Mới", "Góp Ý Riêng", "Khoản Thu Riêng")
PHRASE = re.compile("(?:" + "|".join(PHRASE_PREFIXES) + r") [A-Z0-9]+-\d\d", re.IGNORECASE)
NUMBER = re.compile(r"(?<!\d)\d(?:[ .]?\d){8,11}(?!\d)")  # also "0912 345 678", "0912.345.678"
DIGITS = re.compile(r"\d{9,}")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
FILE_TOKEN = re.compile(rb"TEP-[A-Z0-9]+-\d\d")
SERIES_NUMBERS = {"A1": 1, "A2": 2, "B1": 3, "ANON": 4}
# The departments' signing keys: the password is read from settings.SIGNING_KEY_PASSWORDS (printing/keys.py).
SIGNING_PASSWORD_SOURCE, SIGNING_PASSWORD = "ONECUA_SIGNING_MA_TRAN", "mat-khau-ma-tran"


def dossier_markers(tag: str, i: int, state: str) -> dict[str, str]:
    """What only those entitled to dossier `i` of series `tag` may read: the applicant's personal data, and what
    the case itself says (request, supplement items, reasons, notes, the citizen's correction and comment)."""
    n, code = SERIES_NUMBERS[tag], f"{tag}-{i:02d}"
    markers = {
        "applicant name": f"Người Nộp {code}",
        "applicant phone": f"09{n}{i:02d}{n}{n}{n}{n}{n}",
        "applicant ID number": f"08{n}{i:02d}0{n}{n}{n}{n}{n}{n}",
        "applicant e-mail": f"nop.{tag.lower()}.{i:02d}@thu-nghiem.vn",
        "applicant address": f"Địa Chỉ Riêng {code}",
        "request text": f"Yêu Cầu Riêng {code}",
    }
    if state in {"desk_supplement", "supplement"}:
        markers["supplement items"] = f"Giấy Tờ Riêng {code}"
    if state in {"processing", "refused", "archived"}:
        markers["reason (apology, refusal)"] = f"Lý Do Riêng {code}"
    if state == "processing":
        markers["correction request (right value)"] = f"Tên Mới {code}"
        markers["correction request (wrong value)"] = f"Tên Cũ {code}"
        if tag in SERIES:
            markers["payment description"] = f"Khoản Thu Riêng {code}"
    if state in {"resolved", "returned", "rated", "surveyed"}:
        markers["officer's proposal note"] = f"Ghi Chú Riêng {code}"
    if state in {"rated", "surveyed"}:
        markers["rating comment"] = f"Góp Ý Riêng {code}"
    return markers


def pdf_with(token: bytes) -> bytes:
    """A well-formed one-page PDF whose content stream carries `token` (so a download can be recognised)."""
    content = b"% " + token + b"\n0 0 m 100 100 l S"
    return pdf_file(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    )


class TwoProvinces(World):
    """tests/builders.py's province (H61: desks A1 and A2, department "dept", and H62) with a second
    department in H61 (for A2's dossiers) and, in H62, a desk and a department."""

    def __init__(self):
        super().__init__()
        self.other_dept = AgencyFactory(identifier="H61.04", name="Sở Tư pháp", kind=AgencyKind.DEPARTMENT,
                                        parent=self.province, is_one_stop_desk=False)
        self.b_desk = AgencyFactory(identifier="H62.22.10", name="Trung tâm Phục vụ hành chính công phường Ba",
                                    kind=AgencyKind.COMMUNE_CENTRE, parent=self.other_province)
        self.b_dept = AgencyFactory(identifier="H62.03", name="Sở Tài chính tỉnh Khác", kind=AgencyKind.DEPARTMENT,
                                    parent=self.other_province, is_one_stop_desk=False)
        self.procedure.agencies.add(self.b_desk)

    def place(self, key: str):
        return {"other_dept": self.other_dept, "b_desk": self.b_desk, "b_dept": self.b_dept}.get(key) \
            or super().place(key)


def make_administrator(user) -> None:
    """An agency administrator as the application makes them (accounts.admin.sync_administrator_access: staff in
    the group "Quản trị cơ quan"); before that existed, the demo loader made them superusers."""
    try:
        from accounts.admin import sync_administrator_access
    except ImportError:
        User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
        return
    sync_administrator_access(user)


@dataclass
class DossierInfo:
    pk: int
    tag: str
    index: int
    state: str
    places: set[str]
    owner: str | None  # actor key of the owning citizen
    markers: dict[str, str]
    file_token: bytes | None


@dataclass
class Actor:
    key: str
    kind: str  # "anonymous", "citizen", "staff", "superuser"
    user: User | None
    places: set[str] = field(default_factory=set)
    client: Client | None = None
    cookies: dict[str, str] = field(default_factory=dict)
    scopes: list[tuple[str, str]] = field(default_factory=list)  # (scope, series tag) of foreign objects
    forbidden: dict[str, str] = field(default_factory=dict)  # normalised marker -> whose and what
    forbidden_files: dict[bytes, str] = field(default_factory=dict)

    @property
    def role(self) -> str:
        """A staff member's role ("clerk", …); "" for anyone else."""
        return self.key.split("@")[0] if self.kind == "staff" else ""

    def reset_cookies(self) -> None:
        jar = SimpleCookie()
        for name, value in self.cookies.items():
            jar[name] = value
        self.client.cookies = jar


def _norm(text: str) -> str:
    return text.casefold()


def _digits(text: str) -> str:
    return re.sub(r"[ .]", "", text)


# ================================================================ requests
@dataclass
class Outcome:
    method: str
    url: str
    status: int | None
    error: str = ""
    location: str = ""
    content_type: str = ""
    disposition: str = ""
    found: list[str] = field(default_factory=list)  # forbidden personal data seen
    files: list[str] = field(default_factory=list)  # forbidden files seen
    changed: list[str] = field(default_factory=list)  # what the request changed

    @property
    def is_file(self) -> bool:
        ctype = self.content_type.split(";")[0].strip()
        return bool(self.disposition) or ctype not in ("text/html", "", "text/plain")

    @property
    def sign_in_redirect(self) -> bool:
        """Sent to sign in (or to the second factor): refused at the gate, before any object is looked at."""
        return 300 <= (self.status or 0) < 400 and any(
            self.location.split("?")[0].startswith(u) for u in _login_urls())

    @property
    def refusing_redirect(self) -> bool:
        """A redirect that says no: to a sign-in or second-factor page, or the admin's answer to an object it
        does not show (a redirect to its index with a message)."""
        target = self.location.split("?")[0]
        return target == reverse("admin:index") or any(target.startswith(u) for u in _login_urls())

    @property
    def positive(self) -> bool:
        return not self.error and self.status is not None and (
            200 <= self.status < 300 or (300 <= self.status < 400 and not self.refusing_redirect))


def _login_urls() -> tuple[str, ...]:
    return (reverse("accounts:login"), reverse("admin:login"), reverse("accounts:otp_verify"),
            reverse("accounts:otp_setup"))


@dataclass
class Failure:
    what: str  # "5xx", "foreign data", "file", "download", "changed"
    actor: str
    scope: str
    route: Route
    outcome: Outcome
    detail: str

    def __str__(self) -> str:
        return (f"[{self.what}] {self.outcome.method} {self.outcome.url} as {self.actor} ({self.scope}) "
                f"→ {self.outcome.status}: {self.detail}   [pattern {self.route.label}]")


@dataclass
class Report:
    actor: str
    requests: Counter = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)
    foreign_2xx: list[str] = field(default_factory=list)  # 2xx on a foreign object without personal data seen
    gated: int = 0  # requests not sent: the page sent the actor to sign in for the first foreign object
    seconds: float = 0.0


# ================================================================ the matrix
class Matrix:
    """The world, its actors and the routes, with the request runner."""

    @classmethod
    def build(cls) -> Matrix:
        self = cls()
        started = time.monotonic()
        cache.clear()
        self.w = w = TwoProvinces()
        self.users: dict[str, User] = {}
        for place in ACTOR_PLACES:
            for role in ROLES:
                self.users[f"{role}@{place}"] = w.user(f"{role}@{place}")
        # The other side: A2 and its department, province B with every role.
        other = ["clerk@other_desk", "officer@other_dept", "leader@other_dept", "clerk@b_desk", "officer@b_desk",
                 "leader@b_desk", "officer@b_dept", "leader@b_dept", "inspector@other_province",
                 "admin@other_province", "leader@other_province"]
        self.user_markers: dict[int, tuple[str, dict[str, str], set[str]]] = {}
        for k, spec in enumerate(other, 1):
            user = w.user(spec)
            self._mark_user(user, spec, k, places={spec.split("@")[1]})
        for spec, user in [*self.users.items(), *((s, w.user(s)) for s in other)]:
            if spec.startswith("admin@"):
                make_administrator(user)
        self.citizens = {"citizen1": w.citizen, "citizen2": UserFactory(username="congdan2", full_name="Công Dân Hai"),
                         "citizen_b": UserFactory(username="congdan-b", full_name="Công Dân Tỉnh Khác")}
        for k, (key, user) in enumerate(self.citizens.items(), 50):
            self._mark_user(user, key, k, places=set())
        self.superuser = UserFactory(username="sieu-quan-tri", full_name="Người vận hành", is_staff=True,
                                     is_superuser=True)

        # Dossiers: a series per desk, and one anonymous online submission tracked in a session. Each department
        # has a signing certificate, so a leader's approval stores a signed result (printing/results.py).
        self.dossiers: dict[tuple[str, str], Dossier] = {}
        self.infos: dict[int, DossierInfo] = {}
        with override_settings(SIGNING_KEY_PASSWORDS={SIGNING_PASSWORD_SOURCE: SIGNING_PASSWORD}):
            self._certificates()
            for tag, (desk, dept, owner) in SERIES.items():
                for i, state in enumerate(STATES):
                    self.dossiers[tag, state] = self._dossier(tag, i, state, desk, dept, owner)
        self.dossiers["ANON", "submitted"] = self._dossier("ANON", 0, "submitted", "desk", "dept", None)
        self._records()
        self._api_client()
        self._archive()
        self._actors()
        self.routes = routes()
        self.plans: dict[Route, Plan] = {}
        self.gaps: list[str] = []
        self._subjects: dict[tuple, object] = {}
        self._baseline = None
        self.settings_without_limits = {**settings.ONECUA, **NO_RATE_LIMITS}
        for route in self.routes:
            try:
                p = self.plans[route] = plan(route)
                if p.names_object and self.subject(p.kind, "A1", route_state(route), "own") is None:
                    raise MatrixGap(f"{route.name} {route.label}: the world has no {p.kind} of its own — make one "
                                    f"in Matrix.build (tests/security/matrix.py)")
            except MatrixGap as gap:
                self.plans.pop(route, None)
                self.gaps.append(str(gap))
        self.build_seconds = time.monotonic() - started
        self.reports: dict[str, Report] = {}
        self.positive: dict[Route, tuple[str, Outcome] | None] = {}
        return self

    # ---------------------------------------------------------------- building
    def _mark_user(self, user, key: str, k: int, *, places: set[str]) -> None:
        email, phone = f"{key.replace('@', '.').replace('_', '-')}@thu-nghiem.vn", f"0966{k:06d}"
        User.objects.filter(pk=user.pk).update(email=email, phone=phone)
        user.email, user.phone = email, phone
        self.user_markers[user.pk] = (key, {"e-mail": email, "phone": phone}, places)

    def _certificates(self) -> None:
        """A signing certificate for each series' department (printing.keys.install_certificate), issued by a test
        authority (printing/demo_ca.py)."""
        from printing.demo_ca import issue_pkcs12, make_authority, years_around
        from printing.keys import install_certificate

        start, end = years_around(timezone.now())
        start = min(start, T_SUBMIT - timedelta(days=1))  # valid on the world's timeline (March 2025) too
        authority = make_authority("CA Ma Trận Thử Nghiệm", not_before=start, not_after=end)
        self.certificates = {}
        for tag, (_desk, dept, _owner) in SERIES.items():
            agency = self.w.place(dept)
            data = issue_pkcs12(authority, agency.name, password=SIGNING_PASSWORD.encode(), not_before=start,
                                not_after=end)
            self.certificates[tag] = install_certificate(agency=agency, data=data,
                                                         password_source=SIGNING_PASSWORD_SOURCE)

    def _api_client(self) -> None:
        """Another system connected to the API: an OAuth 2.0 application (client credentials) bound, as an ApiClient,
        to desk A1 with every scope, and its access token from /o/token/."""
        import base64

        from oauth2_provider.models import get_access_token_model, get_application_model

        from api.models import ApiClient, Scope

        secret = "khoa-bi-mat-ma-tran-0123456789abcdef"
        application = get_application_model().objects.create(
            name="Hệ thống thử nghiệm ma trận", client_type="confidential",
            authorization_grant_type="client-credentials", client_secret=secret)
        client = ApiClient.objects.create(application=application, scopes=" ".join(Scope.values),
                                          contact="Phòng CNTT thử nghiệm")
        client.agencies.set([self.w.desk])
        basic = base64.b64encode(f"{application.client_id}:{secret}".encode()).decode()
        response = Client().post(reverse("oauth2_token"), {"grant_type": "client_credentials"},
                                 HTTP_AUTHORIZATION=f"Basic {basic}")
        assert response.status_code == 200, f"the matrix's API client got no token: {response.content[:300]!r}"
        self.api_token = response.json()["access_token"]
        self.globals.update({
            "api_client": client, "oauth_application": application,
            "oauth_access_token": get_access_token_model().objects.filter(application=application).get(),
        })

    def _dossier(self, tag: str, i: int, state: str, desk: str, dept: str, owner: str | None) -> Dossier:
        w = self.w
        clerk, officer, leader = w.user(f"clerk@{desk}"), w.user(f"officer@{dept}"), w.user(f"leader@{dept}")
        markers = dossier_markers(tag, i, state)
        code = f"{tag}-{i:02d}"
        token = f"TEP-{code}".encode()
        applicant = services.ApplicantData(
            name=markers["applicant name"], id_number=markers["applicant ID number"],
            phone=markers["applicant phone"], email=markers["applicant e-mail"], address=markers["applicant address"])
        with at(T_SUBMIT):
            d = services.dossier_create(
                procedure=w.procedure, receiving_agency=w.place(desk), channel=2, applicant=applicant,
                actor=services.APPLICANT, provided_required_document_ids=[w.form.pk],
                request_text=markers["request text"],
                applicant_user=self.citizens[owner] if owner else None)
            services.attachment_add(dossier=d, actor=clerk, uploaded=upload(f"to-khai-{tag}-{i}.pdf", pdf_with(token)),
                                    document=d.documents.first())
        step = iter(range(1, 100))

        def later():
            return at(T_STEP + timedelta(minutes=next(step)))

        if state == "desk_supplement":
            with at(T_RECEIVE):
                d = services.dossier_request_supplement(dossier=d, actor=clerk, items=[f"Giấy Tờ Riêng {code}"])
        if state in {"refused", "archived"}:
            with at(T_RECEIVE):
                d = services.dossier_refuse(dossier=d, actor=clerk, reason=f"Lý Do Riêng {code}")
        if state == "received" or state in FORWARDED:
            with at(T_RECEIVE):
                d = services.dossier_receive(dossier=d, actor=clerk)
        if state in FORWARDED:
            with at(T_FORWARD):
                d = services.dossier_forward(dossier=d, actor=clerk, to_agency=w.place(dept))
        if state == "processing":
            new_at = vn(2025, 3, 20, 9, 0)
            with later():
                d = services.dossier_propose_apology(dossier=d, actor=officer, reason=f"Lý Do Riêng {code}",
                                                     new_appointment_at=new_at)
            with later():
                d = services.dossier_apologise(dossier=d, actor=leader, reason=f"Lý Do Riêng {code}",
                                               new_appointment_at=new_at)
        if state == "supplement":
            with later():
                d = services.dossier_request_supplement(dossier=d, actor=officer, items=[f"Giấy Tờ Riêng {code}"])
        if state in {"resolved", "returned", "rated", "surveyed"}:
            with later():
                d = services.dossier_propose(dossier=d, actor=officer, outcome="approved",
                                             note=f"Ghi Chú Riêng {code}")
            with later():
                d = services.dossier_approve(dossier=d, actor=leader)
        if state in {"returned", "rated", "surveyed"}:
            with later():
                d = services.dossier_return_result(dossier=d, actor=clerk, delivery="in_person")
        if state in {"rated", "surveyed"}:
            level = 0 if state == "rated" else 2  # "Không hài lòng" opens a follow-up
            with later():
                survey_services.rating_submit(dossier=d, overall=level, convenience=level, via=Via.LINK,
                                              comment=f"Góp Ý Riêng {code}")
                survey_services.indices_compute(dossier_id=d.pk)
        if state == "surveyed":
            question = Question.objects.filter(is_active=True).order_by("position", "id").first()
            with later():
                survey_services.questionnaire_submit(dossier=d, answers={question.pk: 5}, via=Via.LINK)
        places = {desk} | ({dept} if state in FORWARDED else set())
        self.infos[d.pk] = DossierInfo(d.pk, tag, i, state, places, owner, markers, token)
        return Dossier.objects.get(pk=d.pk)

    def _records(self) -> None:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from privacy.services import access_record, correction_request_create

        w = self.w
        self.corrections = {}
        for tag, (desk, _dept, owner) in SERIES.items():
            d = self.dossiers[tag, "processing"]
            access_record(actor=w.user(f"clerk@{desk}"), dossier=d, what="staff_page")
            i = STATES.index("processing")
            self.corrections[tag] = correction_request_create(
                actor=self.citizens[owner], dossier=d, field="name", wrong_value=f"Tên Cũ {tag}-{i:02d}",
                correct_value=f"Tên Mới {tag}-{i:02d}")
        self.devices = {tag: TOTPDevice.objects.create(user=w.user(f"clerk@{desk}"), name=f"Máy {tag}",
                                                       confirmed=False)
                        for tag, (desk, _dept, _owner) in SERIES.items()}
        self._payments()
        self._sync_rows()
        self._feedback()
        self._consultations()
        self.exceptions = {
            "A1": CalendarException.objects.create(date=date(2025, 4, 29), kind=CalendarExceptionKind.DAY_OFF,
                                                   note="Nghỉ bù tỉnh Thử Nghiệm", province=w.province),
            "B1": CalendarException.objects.create(date=date(2025, 4, 29), kind=CalendarExceptionKind.DAY_OFF,
                                                   note="Nghỉ bù tỉnh Khác", province=w.other_province),
        }
        self.globals = self._globals()

    def _payments(self) -> None:
        """Each series' dossier in processing owes two dues (payments.services.payment_open), described with the
        dossier's own marker: the fees, paid (as the gateway's confirmation marks them: payments.services
        ._mark_paid, without telling the dossier, whose state is the world's), and a financial obligation still
        pending."""
        from payments.models import Payment, PaymentPurpose, PaymentStatus
        from payments.services import payment_open

        for tag in SERIES:
            d = self.dossiers[tag, "processing"]
            what = self.infos[d.pk].markers["payment description"]
            fees = payment_open(dossier=d, amount=150_000, description=what, purpose=PaymentPurpose.FEES)
            Payment.objects.filter(pk=fees.pk).update(
                status=PaymentStatus.PAID, provider="vnpay", provider_transaction_id=f"MT{fees.pk:08d}",
                bank_code="NCB", response_code="00", started_at=T_STEP, paid_at=T_STEP)
            payment_open(dossier=d, amount=2_000_000, description=what, purpose=PaymentPurpose.OBLIGATION)

    def _sync_rows(self) -> None:
        """A message to the national portal (DVCQG) per series, rejected by the portal (so Thử lại and Bỏ qua act
        on it), on its desk's sync page. DVCQG is off in the tests, so the actions wrote none: made directly."""
        from integrations.models import SyncKind, SyncRow, SyncStatus

        self.sync_rows = {}
        for tag in SERIES:
            d = self.dossiers[tag, "processing"]
            self.sync_rows[tag] = SyncRow.objects.create(
                dossier=d, agency=d.receiving_agency, kind=SyncKind.PROGRESS, action="receive",
                local_state=d.state, national_code=4, payload={"MaHoSo": d.code}, status=SyncStatus.REJECTED,
                attempts=1, deliveries=1, portal_message="Cổng từ chối (thử nghiệm)")

    def _feedback(self) -> None:
        """Each series' applicant sends a feedback (PAKN) about their dossier in processing: their name, phone,
        e-mail and the dossier's request text, which only those entitled to the dossier may read."""
        from feedback.services import feedback_submit

        for tag in SERIES:
            d = self.dossiers[tag, "processing"]
            markers = self.infos[d.pk].markers
            with at(T_STEP):
                feedback_submit(procedure=d.procedure, agency=d.receiving_agency, kind="feedback", dossier=d,
                                content=markers["request text"], sender_name=markers["applicant name"],
                                sender_phone=markers["applicant phone"], sender_email=markers["applicant e-mail"])

    def _consultations(self) -> None:
        """Each series' department, handling the dossier in processing, asks the series' desk for its opinion
        (consultations/): the question is the dossier's request text, and the dossier's files are shared with the
        consultation, so only those entitled to the dossier may read either."""
        from consultations.services import consultation_ask

        for tag, (_desk, dept, _owner) in SERIES.items():
            d = self.dossiers[tag, "processing"]
            with at(T_STEP):
                consultation_ask(dossier=d, actor=self.w.user(f"officer@{dept}"), agencies=[d.receiving_agency],
                                 question=self.infos[d.pk].markers["request text"], working_days=3)

    def _globals(self) -> dict:
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        from integrations.models import StatusMapping

        # Sign-in records name a login (here province B's clerk's e-mail): only the site's operator reads them.
        login = self.w.user("clerk@b_desk").email
        row = {"username": login, "ip_address": "203.0.113.9", "user_agent": "pytest", "http_accept": "*/*",
               "path_info": reverse("accounts:login")}
        return {
            "procedure": self.w.procedure,
            "field": self.w.procedure.field,
            "question": Question.objects.order_by("pk").first() or Question.objects.create(
                factor="access", position=1, text="Tiêu chí thử"),
            "group": Group.objects.order_by("pk").first() or Group.objects.create(name="Nhóm thử nghiệm"),
            "axes_attempt": AccessAttempt.objects.create(**row, get_data="", post_data="", failures_since_start=2),
            "axes_log": AccessLog.objects.create(**row),
            "axes_failure": AccessFailureLog.objects.create(**row),
            "catalog_agency": self.w.desk,  # the API's public catalog of agencies
            "status_mapping": StatusMapping.objects.order_by("pk").first() or StatusMapping.objects.create(
                state="processing", national_code=4),
        }

    def _archive(self) -> None:
        from privacy.services import dossier_archive

        with tempfile.TemporaryDirectory(prefix="onecua-archive-") as root, override_settings(ARCHIVE_ROOT=root):
            for tag in SERIES:
                d = self.dossiers[tag, "archived"]
                assert dossier_archive(actor=None, dossier=d, before=timezone.now()) is not None
                self.dossiers[tag, "archived"] = Dossier.objects.get(pk=d.pk)
                info = self.infos[d.pk]
                # Blanked by the archiving (the case's reason stays, as the refusal is a decision on record);
                # the file's row is deleted.
                info.markers = {k: v for k, v in info.markers.items() if k == "reason (apology, refusal)"}
                info.file_token = None

    def _actors(self) -> None:
        self.actors: dict[str, Actor] = {}
        for key in (*ACTOR_KEYS, "superuser"):
            if key == "anonymous":
                actor = Actor(key, "anonymous", None, scopes=[("province", "B1"), ("citizen", "A1")])
            elif key in self.citizens:
                other = "A2" if key == "citizen1" else "A1"
                actor = Actor(key, "citizen", self.citizens[key], scopes=[("province", "B1"), ("citizen", other)])
            elif key == "superuser":
                actor = Actor(key, "superuser", self.superuser)
            elif key == API_CLIENT:  # bound to desk A1 only (not its subtree): the scoping of a clerk there
                actor = Actor(key, "api_client", None, places={"desk"}, scopes=[("agency", "A2"), ("province", "B1")])
            else:
                role, place = key.split("@")
                places = places_of(role, place)
                scopes = ([] if "other_desk" in places else [("agency", "A2")]) + [("province", "B1")]
                actor = Actor(key, "staff", self.users[key], places=places, scopes=scopes)
            actor.client = Client()
            if actor.kind == "api_client":
                actor.client = Client(HTTP_AUTHORIZATION=f"Bearer {self.api_token}")
            elif actor.user is not None:
                actor.client.force_login(actor.user)
            else:  # the visitor tracked their online submission (code + phone): it is in their session
                store = import_module(settings.SESSION_ENGINE).SessionStore()
                store[TRACKED_KEY] = [self.dossiers["ANON", "submitted"].pk]
                store.save()
                actor.client.cookies[settings.SESSION_COOKIE_NAME] = store.session_key
            actor.cookies = {name: morsel.value for name, morsel in actor.client.cookies.items()}
            self._forbid(actor)
            self.actors[key] = actor

    # ---------------------------------------------------------------- the entitlement rule
    def entitled_dossier(self, actor: Actor, info: DossierInfo) -> bool:
        if actor.kind == "superuser":
            return True
        if actor.kind == "anonymous":
            return info.tag == "ANON"
        if actor.kind == "citizen":
            return info.owner == actor.key
        return bool(info.places & actor.places)  # staff, and an API client (the dossiers of its agencies)

    def entitled_user(self, actor: Actor, user_pk: int) -> bool:
        key, _markers, places = self.user_markers[user_pk]
        if actor.kind == "superuser" or (actor.user is not None and actor.user.pk == user_pk):
            return True
        if actor.kind in ("staff", "api_client") and places & actor.places:
            return True
        return any(self.entitled_dossier(actor, i) for i in self.infos.values() if i.owner == key)

    def _forbid(self, actor: Actor) -> None:
        for info in self.infos.values():
            if self.entitled_dossier(actor, info):
                continue
            whose = f"dossier {info.tag}/{info.state}"
            for what, text in info.markers.items():
                actor.forbidden[self._key(what, text)] = f"{whose}: {what} {text!r}"
            if info.file_token:
                actor.forbidden_files[info.file_token] = f"{whose}: its file ({info.file_token.decode()})"
        for pk, (key, markers, _places) in self.user_markers.items():
            if not self.entitled_user(actor, pk):
                for what, text in markers.items():
                    actor.forbidden[self._key(what, text)] = f"account {key}: {what} {text!r}"

    @staticmethod
    def _key(what: str, text: str) -> str:
        if PHRASE.fullmatch(text) or EMAIL.fullmatch(text):
            return _norm(text)
        if NUMBER.fullmatch(text):
            return _digits(text)
        raise AssertionError(f"marker {text!r} ({what}) has no shape the scanner finds")

    # ---------------------------------------------------------------- objects by kind and scope
    def subject(self, kind: str, tag: str, state: str, scope: str):
        """The object of `kind` on the `tag` side (A1: the entitled reference) for a page tried in `state`."""
        key = (kind, tag, state if kind == "dossier" else "", scope == "citizen")
        if key not in self._subjects:
            self._subjects[key] = self._subject(kind, tag, state, scope)
        return self._subjects[key]

    def _subject(self, kind: str, tag: str, state: str, scope: str):
        from payments.models import Payment, PaymentStatus
        from printing.models import ResultSignature, SigningOutcome
        from privacy.models import DossierArchive, PersonalDataAccess

        if kind in GLOBAL_KINDS:
            return self.globals[kind]
        desk = SERIES.get(tag, ("desk",))[0]
        if kind in DOSSIER_KINDS and (tag, "processing") not in self.dossiers:
            return None

        def dossier(s):
            return self.dossiers[tag, s]

        match kind:
            case "dossier":
                return dossier(state)
            case "event":
                return dossier("processing").events.order_by("-pk").first()  # the apology, with its reason
            case "supplement_request":
                return dossier("supplement").supplement_requests.order_by("pk").first()
            case "apology":
                return Apology.objects.get(dossier=dossier("processing"))
            case "apology_proposal":
                return ApologyProposal.objects.filter(dossier=dossier("processing")).first()
            case "rating":
                return Rating.objects.get(dossier=dossier("rated"))
            case "indices":
                return EvaluationIndices.objects.get(dossier=dossier("rated"))
            case "questionnaire":
                return QuestionnaireResponse.objects.get(dossier=dossier("surveyed"))
            case "follow_up":
                return FollowUp.objects.get(dossier=dossier("rated"))
            case "feedback":  # about the dossier in processing, sent by its applicant (feedback/)
                return Feedback.objects.get(dossier=dossier("processing"))
            case "consultation":  # the department asks the desk about the dossier in processing (consultations/)
                return Consultation.objects.get(dossier=dossier("processing"))
            case "consultation_file":  # a file of that dossier shared with the consultation
                return ConsultationFile.objects.filter(consultation__dossier=dossier("processing"),
                                                       role="dossier").order_by("pk").first()
            case "access":
                return PersonalDataAccess.objects.filter(dossier=dossier("processing")).first()
            case "correction":
                return self.corrections[tag]
            case "archive":
                return DossierArchive.objects.get(dossier=dossier("archived"))
            case "notification":
                d = dossier("processing")
                return Notification.objects.filter(dossier=d, agency=d.receiving_agency).order_by("pk").first()
            case "desk" | "agency":
                return None if scope == "citizen" else self.w.place(desk)
            case "user":
                return self.citizens[SERIES[tag][2]] if scope == "citizen" else self.w.user(f"clerk@{desk}")
            case "membership":
                return None if scope == "citizen" else StaffMembership.objects.get(user=self.w.user(f"clerk@{desk}"))
            case "calendar_exception":
                return None if scope == "citizen" else self.exceptions.get(tag)
            case "totp_device":
                return None if scope == "citizen" else self.devices[tag]
            case "payment":  # the paid fees
                return Payment.objects.filter(dossier=dossier("processing"), status=PaymentStatus.PAID).first()
            case "sync_row":
                return self.sync_rows.get(tag)
            case "signature":
                return ResultSignature.objects.filter(dossier=dossier("resolved"), outcome=SigningOutcome.SIGNED).first()
            case "signing_certificate":  # the department's: an agency's, as calendar exceptions are a province's
                return None if scope == "citizen" else self.certificates.get(tag)
        raise MatrixGap(f"object kind {kind!r}: add it to Matrix.subject (tests/security/matrix.py)")

    def dossier_of(self, obj) -> DossierInfo | None:
        if isinstance(obj, Dossier):
            return self.infos.get(obj.pk)
        pk = getattr(obj, "dossier_id", None)
        return self.infos.get(pk) if pk else None

    def own_dossier(self, actor: Actor, state: str) -> Dossier | None:
        """A dossier in `state` the actor is entitled to (for the mixed variants), if any."""
        for tag in ("A1", "A2", "ANON"):
            d = self.dossiers.get((tag, state)) or self.dossiers.get((tag, "submitted"))
            if d is not None and self.entitled_dossier(actor, self.infos[d.pk]):
                return d
        return None

    # ---------------------------------------------------------------- URLs
    def urls(self, p: Plan, *, subject, follow, own, first_only: bool = False) -> list[tuple[str, dict]]:
        """The addresses to request, each with the form its POST sends (EXTRA_PARAMETERS "form"; GET sends none)."""
        ctx = Ctx(self, p.route, subject, follow, own)
        fixed, choices = {}, {}
        for name, role in p.roles.items():
            if isinstance(role, Names):
                fixed[name] = role.show(subject)
            elif isinstance(role, Follows):
                fixed[name] = role.value(ctx)
            else:
                choices[name] = role.values
        query = {n: str(v) for n, v in fixed.items() if p.where.get(n) == "query"}
        form = {n: str(v) for n, v in fixed.items() if p.where.get(n) == "form"}
        fixed = {n: v for n, v in fixed.items() if n not in p.where}
        suffix = f"?{urlencode(query)}" if query else ""
        names = list(choices)
        combos = product(*(choices[n] for n in names))
        return [(p.route.url({**fixed, **dict(zip(names, combo, strict=True))}) + suffix, form)
                for combo in (list(combos)[:1] if first_only else combos)]

    # ---------------------------------------------------------------- one request
    def snapshot(self) -> tuple:
        from oauth2_provider.models import get_access_token_model, get_application_model

        from api.models import ApiClient
        from integrations.models import StatusMapping, SyncRow
        from payments.models import Payment
        from printing.models import ResultSignature, SigningCertificate
        from privacy.models import CorrectionRequest, DossierArchive, PersonalDataAccess

        qn = connection.ops.quote_name
        counted = [Dossier, DossierEvent, Attachment, Rating, SupplementRequest, Apology, ApologyProposal,
                   FollowUp, QuestionnaireResponse, EvaluationIndices, CorrectionRequest, Notification,
                   PersonalDataAccess, DossierArchive, StaffMembership, User, Agency, FormNumber, ClockPause,
                   Payment, ResultSignature, SigningCertificate, SyncRow, StatusMapping, ApiClient, Feedback,
                   FeedbackEvent,
                   get_application_model(), get_access_token_model()]
        parts = [f"(SELECT COUNT(*) FROM {qn(m._meta.db_table)})" for m in counted]
        statuses = [(FollowUp, "closed"), (CorrectionRequest, "done"), (Notification, "pending"), (Payment, "paid"),
                    (Payment, "pending"), (SyncRow, "rejected")]
        parts += [f"(SELECT COUNT(*) FROM {qn(m._meta.db_table)} WHERE {qn('status')} = %s)" for m, _s in statuses]
        params: list = [s for _m, s in statuses]
        # Payments started at the gateway (payment_start), active signing certificates.
        others = {"Payment[started]": (Payment, f"{qn('started_at')} IS NOT NULL", []),
                  "SigningCertificate[active]": (SigningCertificate, f"{qn('is_active')} = %s", [True])}
        for _name, (m, where, values) in others.items():
            parts.append(f"(SELECT COUNT(*) FROM {qn(m._meta.db_table)} WHERE {where})")
            params += values
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts), params)
            counts = cursor.fetchone()
        names = [m.__name__ for m in counted] + [f"{m.__name__}[{s}]" for m, s in statuses] + list(others)
        rows = tuple(Dossier.objects.order_by("pk").values_list(
            "pk", "state", "version", "applicant_user_id", "handling_agency_id", "applicant_name"))
        return dict(zip(names, counts, strict=True)), rows

    def send(self, actor: Actor, method: str, url: str, data: dict | None = None, *, watch: bool) -> Outcome:
        """One request in a savepoint rolled back afterwards; `watch`: report what it changed."""
        actor.reset_cookies()
        savepoint = transaction.atomic()
        # Marked as Django's TestCase marks its own atomic blocks: a use case's durable transaction
        # (dossiers.runner.in_one_transaction) runs inside it as it runs inside a test (instead of a RuntimeError,
        # a 500), and is rolled back with it. So a page that acts (the API's answer to a supplement request) can
        # succeed for its entitled user, and a foreign request that acts is caught as a change.
        savepoint._from_testcase = True
        with savepoint:
            if watch and self._baseline is None:
                self._baseline = self.snapshot()
            before = self._baseline  # every request starts from the same world (each one is rolled back)
            try:
                with override_settings(ONECUA=self.settings_without_limits):
                    response = getattr(actor.client, method)(url, data or {})
            except Exception as exc:  # noqa: BLE001 - a 500 the test client re-raised
                transaction.set_rollback(True)
                return Outcome(method.upper(), url, 500, error=f"{type(exc).__name__}: {exc}"[:300])
            if response.streaming:
                # The test client closes a streaming response once its content is read, with Django's
                # close_old_connections disconnected; calling response.close() here would fire it and, inside
                # this transaction, close the PostgreSQL connection.
                body = b"".join(response.streaming_content)
            else:
                body = response.content
            outcome = Outcome(method.upper(), url, response.status_code, location=response.get("Location", ""),
                              content_type=response.get("Content-Type", ""),
                              disposition=response.get("Content-Disposition", ""))
            if watch:
                outcome.changed = self._changes(before, self.snapshot())
            transaction.set_rollback(True)
        self._scan(actor, outcome, body)
        return outcome

    @staticmethod
    def _changes(before, after) -> list[str]:
        (counts_a, rows_a), (counts_b, rows_b) = before, after
        changed = [f"{name} {counts_a[name]}→{counts_b[name]}" for name in counts_a if counts_a[name] != counts_b[name]]
        old = {r[0]: r for r in rows_a}
        changed += [f"dossier {r[0]} {old.get(r[0])}→{r}" for r in rows_b if old.get(r[0]) != r]
        return changed

    def _scan(self, actor: Actor, outcome: Outcome, body: bytes) -> None:
        texts, blobs = [], [body]
        ctype = outcome.content_type.split(";")[0].strip()
        if ctype == "application/zip" or body[:4] == b"PK\x03\x04":
            try:
                with zipfile.ZipFile(io.BytesIO(body)) as archive:
                    for member in archive.namelist():
                        data = archive.read(member)
                        blobs.append(data)
                        # XML members (a spreadsheet's cells) write non-ASCII letters as character references.
                        texts.append(html.unescape(data.decode("utf-8", "replace")))
            except zipfile.BadZipFile:
                pass
        text = body.decode("utf-8", "replace")
        if "json" in ctype:
            try:
                text = json.dumps(json.loads(text), ensure_ascii=False)
            except ValueError:
                pass
        texts.append(text)
        for t in texts:
            for match in (*PHRASE.findall(t), *EMAIL.findall(t)):
                if (hit := actor.forbidden.get(_norm(match))) and hit not in outcome.found:
                    outcome.found.append(hit)
            for match in (*NUMBER.findall(t), *DIGITS.findall(t)):
                if (hit := actor.forbidden.get(_digits(match))) and hit not in outcome.found:
                    outcome.found.append(hit)
        for blob in blobs:
            for match in FILE_TOKEN.findall(blob):
                if (hit := actor.forbidden_files.get(match)) and hit not in outcome.files:
                    outcome.files.append(hit)

    # ---------------------------------------------------------------- the matrix for one actor
    def run_actor(self, key: str) -> Report:
        actor, report = self.actors[key], Report(key)
        started = time.monotonic()
        for route, p in self.plans.items():
            state = route_state(route)
            own = self.subject(p.kind, "A1", state, "own") if p.names_object else None
            if not p.names_object or p.kind in GLOBAL_KINDS | PUBLIC_KINDS:
                variants = [("shared", own, own, False)]
            else:
                variants = []
                for scope, tag in actor.scopes:
                    foreign = self.subject(p.kind, tag, state, scope)
                    if foreign is None:
                        continue
                    info = self.dossier_of(foreign)
                    if info is not None and self.entitled_dossier(actor, info):  # pragma: no cover - world design
                        raise AssertionError(f"{tag} {p.kind} chosen as foreign to {key} is theirs")
                    variants.append((f"{scope} scope: {p.kind} of {tag}", foreign, foreign, True))
                    if any(isinstance(r, Follows) and r.own_object for r in p.roles.values()) and p.kind == "dossier":
                        mine = self.own_dossier(actor, state)
                        if mine is not None:
                            variants.append((f"{scope} scope: own dossier, {tag}'s file", mine, foreign, True))
            gate_closed = False  # every request of the first foreign variant was sent to sign in
            for n, (scope, subject, follow, foreign) in enumerate(variants):
                if gate_closed:
                    report.gated += len(self.urls(p, subject=subject, follow=follow, own=own, first_only=True)) * 2
                    continue
                outcomes = []
                get_refused = False  # GET answered 405: the other choice values are not GET again
                token_ref = own
                if foreign and p.kind == "dossier":  # a token the actor holds, for a dossier other than this one
                    token_ref = next(d for d in (self.own_dossier(actor, state), *(
                        self.dossiers[t, state] for t in ("A1", "A2"))) if d is not None and d.pk != follow.pk)
                # Choice values (action names, app labels, formats) are all tried with the first object; the other
                # objects get the first value.
                urls = self.urls(p, subject=subject, follow=follow, own=token_ref, first_only=n > 0)
                for k, (url, form) in enumerate(urls):
                    if k == 1 and all(o.sign_in_redirect for o in outcomes):  # the gate, whatever the value
                        report.gated += (len(urls) - 1) * 2
                        break
                    for method in ("get", "post"):
                        if method == "get" and get_refused:
                            continue
                        outcome = self.send(actor, method, url, form if method == "post" else None, watch=foreign)
                        outcomes.append(outcome)
                        get_refused = get_refused or (method == "get" and outcome.status == 405)
                        report.requests[outcome.method] += 1
                        self._judge(report, actor, scope, route, outcome, foreign)
                # A page that sends the actor to sign in whatever the object (the admin's is_staff check, the
                # workspace's login_required) is not tried with the other foreign objects: the gate comes first.
                gate_closed = foreign and n == 0 and all(o.sign_in_redirect for o in outcomes)
        report.seconds = time.monotonic() - started
        self.reports[key] = report
        return report

    def _judge(self, report: Report, actor: Actor, scope: str, route: Route, o: Outcome, foreign: bool) -> None:
        def fail(what, detail):
            report.failures.append(Failure(what, actor.key, scope, route, o, detail))

        if o.error or (o.status or 0) >= 500:
            fail("5xx", o.error or "server error")
        if o.found:
            fail("foreign data", "; ".join(o.found[:6]) + (f" (+{len(o.found) - 6})" if len(o.found) > 6 else ""))
        if o.files:
            fail("file", "; ".join(o.files))
        if foreign and o.status is not None and 200 <= o.status < 300:
            if o.is_file:
                fail("download", f"{o.content_type} {o.disposition}".strip())
            elif not o.found:
                report.foreign_2xx.append(f"{o.method} {o.url} as {actor.key} ({scope}) → {o.status}")
        if foreign and o.changed:
            fail("changed", "; ".join(o.changed[:5]))
        rule = expectation(route)
        if rule is not None and o.status is not None and not o.error:
            case = "foreign" if foreign else "own" if scope == "own" else "shared"
            if (expected := rule(actor, route, o, case)) is not None:
                fail("expected", f"expected {expected}")

    # ---------------------------------------------------------------- positive controls
    def run_positive(self) -> list[Failure]:
        """For every pattern naming an object: the first actor (POSITIVE_ORDER) who gets 2xx, or 3xx elsewhere than
        a sign-in page, with the A1 reference object (GET; POST where the page takes POST only)."""
        failures: list[Failure] = []
        for route, p in self.plans.items():
            if not p.names_object:
                continue
            state = route_state(route)
            own = self.subject(p.kind, "A1", state, "own")
            url, form = self.urls(p, subject=own, follow=own, own=own)[0]
            self.positive[route] = None
            for key in POSITIVE_ORDER:
                actor = self.actors[key]
                outcome = self.send(actor, "get", url, watch=False)
                if outcome.status == 405:
                    data = {**form, **POSITIVE_DATA.get(route.name, lambda m, d: {})(self, own)}
                    outcome = self.send(actor, "post", url, data, watch=False)
                report = Report(key)
                self._judge(report, actor, "own", route, outcome, foreign=False)
                failures += report.failures
                if outcome.positive:
                    self.positive[route] = (key, outcome)
                    break
        return failures


# What a page that takes POST only needs to answer its entitled user with success.
POSITIVE_DATA = {
    "surveys:tracking": lambda m, d: {"token": make_token(dossier_id=d.pk, via=Via.TRACKING), "overall": 2,
                                      "convenience": 2},
    # The applicant's answer to the supplement request, through the API (one file, as the portal's form).
    "api:dossier-supplement": lambda m, d: {"files": upload("bo-sung-api.pdf", pdf_with(b"TEP-API-BO-SUNG"))},
}


# ================================================================ the answers expected of the newer apps' pages
# Every page is held to "no 5xx, no foreign data or file, nothing changed". The pages of payments/, of printing/'s
# signed results, of the API (api/, /o/), of integrations/ and the admin pages of their models are also held to the
# answer each actor must get, written from the rules those apps are held to. A rule gets the outcome and the case:
# "foreign" (an object that is not the actor's), "own" (the A1 reference object: positive controls) or "shared" (a
# page naming no object, or a catalogue or public object); it returns what was expected, or None when satisfied.
PROBLEM_JSON = "application/problem+json"
PAYMENT_LIST_ROLES = {Role.CLERK.value, Role.LEADER.value, Role.INSPECTOR.value, Role.ADMIN.value}


def _refused(o: Outcome) -> bool:
    """Refused without showing anything: not signed in (401), forbidden, not found, the wrong method, or sent to
    sign in (or, in the admin, to its index)."""
    return o.status in (401, 403, 404, 405) or (300 <= o.status < 400 and o.refusing_redirect)


def _is_2xx(o: Outcome) -> bool:
    return 200 <= o.status < 300


def _tracked_only(actor: Actor, route: Route, o: Outcome, case: str) -> str | None:
    """A citizen page of a dossier (dossiers.access.tracked_or_404): someone else's dossier, or a payment of it
    (also under the actor's own dossier), answers 404 as one that does not exist (405: GET of a POST-only page)."""
    if case == "foreign" and o.status not in (404, 405):
        return "404, as a dossier that does not exist (dossiers.access.tracked_or_404)"
    return None


def _staff_page(roles: set[str] | None = None, *, page: bool = True):
    """A staff page (accounts.decorators.staff_required): refused to anyone not staff (and, `roles` given, to staff
    of other roles) and for objects that are not the actor's; `page`: its GET answers staff of `roles` with 200."""
    def rule(actor: Actor, route: Route, o: Outcome, case: str) -> str | None:
        if case == "foreign":
            return None if _refused(o) else "refused: not theirs"
        if actor.kind != "staff" or (roles is not None and actor.role not in roles):
            return None if _refused(o) else f"refused: a page for staff{f' ({sorted(roles)})' if roles else ''}"
        if page and case == "shared" and o.method == "GET" and o.status != 200:
            return "200: their agencies' page"
        return None
    return rule


def _public_page(actor: Actor, route: Route, o: Outcome, case: str) -> str | None:
    """Public (the verification page, the QR code's link): GET answers everyone with 200."""
    return "200: a public page" if o.method == "GET" and o.status != 200 else None


def _never_2xx(actor: Actor, route: Route, o: Outcome, case: str) -> str | None:
    """Nobody here holds what the address asks for (client credentials at /o/, the national portal's token)."""
    return "no 2xx: the actor holds no credentials for this address" if _is_2xx(o) else None


def _api(*, public: bool):
    """The API (api/): every error is a problem (application/problem+json). It authenticates by client token only:
    a session (citizen, staff, superuser) or nothing gets 401 (or 403) from every endpoint that is not public, and
    the public catalogue answers GET with 200 to anyone. The client sees the dossiers of its agencies only: any
    other answers 404, as one that does not exist."""
    def rule(actor: Actor, route: Route, o: Outcome, case: str) -> str | None:
        if o.status >= 400 and not o.content_type.startswith(PROBLEM_JSON):
            return f"an {PROBLEM_JSON} error, not {o.content_type or 'no content type'}"
        if not public and actor.kind != "api_client":
            return None if o.status in (401, 403) else "401/403: the API takes a client token, not a session"
        if case == "foreign":
            return None if o.status in (404, 405) else "404: a dossier of another agency, as one that does not exist"
        if o.method == "GET" and case in ("shared", "own"):
            unknown = o.url.split("?")[0].rstrip("/").endswith(UNKNOWN_PROBLEM)
            wanted = 404 if unknown else 200
            if (public or actor.kind == "api_client") and o.status != wanted:
                return f"{wanted}: {'an unknown problem type' if unknown else 'an endpoint open to this actor'}"
        return None
    return rule


def _superuser_only(actor: Actor, route: Route, o: Outcome, case: str) -> str | None:
    """The admin of a model no agency administrator manages (the group "Quản trị cơ quan" has no permission on it,
    and the ModelAdmin adds none): no 2xx for anyone but a superuser."""
    if actor.kind != "superuser" and _is_2xx(o):
        return "no 2xx: superusers only"
    return None


def _certificate_admin(actor: Actor, route: Route, o: Outcome, case: str) -> str | None:
    """The signing certificates (printing/admin.py): an agency administrator manages their agencies' certificates
    (the list and the add page answer them 200), a superuser every agency's; a certificate of an agency they do not
    administer, and everything for anyone else, no 2xx."""
    if case == "foreign" or (actor.kind != "superuser" and actor.role != Role.ADMIN.value):
        return "no 2xx: not an administrator of this agency" if _is_2xx(o) else None
    if actor.role == Role.ADMIN.value and case == "shared" and o.method == "GET" and o.status != 200:
        return "200: the certificates of the agencies they administer"
    return None


EXPECTATIONS = {
    # payments/: the applicant's pages; the staff list (payments.selectors.LIST_ROLES read it) and receipt
    "payments:start": _tracked_only, "payments:receipt": _tracked_only, "payments:return_vnpay": _tracked_only,
    "payment_staff:list": _staff_page(PAYMENT_LIST_ROLES), "payment_staff:export": _staff_page(PAYMENT_LIST_ROLES),
    "payment_staff:receipt": _staff_page(),
    # printing/: the signed result's download and its public verification
    "portal:result": _tracked_only, "printing:verify": _public_page, "printing:verify_stored": _public_page,
    # integrations/: the staff's sync page and its buttons; the national portal's calls
    "integrations:sync": _staff_page(), "integrations:*": _staff_page(page=False),
    "integrations:inbound": _never_2xx, "integrations:lookup": _never_2xx,
    # api/ and OAuth 2.0
    "api:*": _api(public=False),
    **{f"api:{name}": _api(public=True) for name in ("index", "schema", "docs", "problem-type", "procedures",
                                                     "procedure-detail", "agencies", "agency-detail", "figures")},
    "oauth2_token": _never_2xx, "oauth2_revoke": _never_2xx,
    # ops/: the load balancer's probes are public; the metrics answer only a token or an allowed address
    "ops:healthz": _public_page, "ops:readyz": _public_page, "ops:metrics": _never_2xx,
}
ADMIN_EXPECTATIONS = {"api.ApiClient": _superuser_only, "integrations.StatusMapping": _superuser_only,
                      "printing.SigningCertificate": _certificate_admin, "oauth2_provider.*": _superuser_only}


def expectation(route: Route):
    """The rule a route's answers are held to beyond the common ones (None: the common ones only)."""
    admin = route.model_admin
    if admin is not None:
        meta = admin.model._meta
        return ADMIN_EXPECTATIONS.get(meta.label) or ADMIN_EXPECTATIONS.get(f"{meta.app_label}.*")
    return EXPECTATIONS.get(route.name) or EXPECTATIONS.get(f"{route.name.split(':')[0]}:*")
