"""Malformed input never makes a 5xx: a fuzz generated from the URLconf and from the forms the pages render.

Every URL pattern (walked from the root URLconf, the Django admin's included, so a new pattern is covered without
touching this file) is requested

* with valid path values (a small cast of dossiers, tokens and procedures) as anonymous (having tracked the
  dossiers), a citizen and a staff member of each role; every form and every query link the page renders is then
  sent back with malformed values, one field at a time and all at once;
* with each path parameter replaced by each malformed value (GET, and POST with the fields of the forms that
  post there), as the users who could open the page;
* with each cookie the site reads (session, CSRF, language) replaced by each malformed value.

Values are sampled in rotation rather than crossed in full, so the run stays short (about a minute on SQLite,
some 4,500 requests). Each request runs in a savepoint rolled back afterwards: every request sees the same
data, and a request refused by PostgreSQL cannot poison the next. Run it on PostgreSQL too (DATABASE_URL),
where NUL bytes are refused by the database.
"""

import io
import itertools
import logging
import re
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RegexPattern, RoutePattern
from pypdf import PdfWriter

from accounts.models import Role
from dossiers import services
from dossiers.access import TRACKED_KEY
from dossiers.models import Dossier
from notifications.models import Notification
from surveys import services as survey_services
from surveys.models import FollowUp, Level, Via
from surveys.tokens import make_token
from tests.builders import T_SUBMIT, World, at

pytestmark = pytest.mark.django_db

# What a path parameter is replaced with (the brief of the security review).
PATH_VALUES = ["\x00", "²", "x" * 3000, "-1", "0", "99999999999999999999", "'", "<script>alert(1)</script>",
               "%00", ".."]
# Form fields and query parameters get those and a few more: control characters, other Unicode digits (refused
# by int() although str.isdigit() accepts them), absurd dates, numbers Python parses but databases do not.
FIELD_VALUES = [*PATH_VALUES, "31/12/9999", "\x01\x1b\x7f", "①", "9999-12-31", "01/01/0001", "1e400", "NaN",
                "١٢", " ", "a@b", "-99999999999999999999"]
# A staff member of each role, where the `World` gives that role work (a new role must be placed here).
ROLES = {Role.CLERK: "desk", Role.OFFICER: "dept", Role.LEADER: "dept", Role.INSPECTOR: "province",
         Role.ADMIN: "province"}
MAX_COMBOS = 8  # valid path-value combinations tried per pattern
FIELDS_ONE_BY_ONE = 4  # fields of a form mutated one at a time (then all at once)




def _blank_pdf() -> bytes:
    """A one-page PDF any PDF reader (and the upload checks) accepts."""
    buffer = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.write(buffer)
    return buffer.getvalue()


PDF_BYTES = _blank_pdf()


# ---------------------------------------------------------------- the URLconf
@dataclass(frozen=True)
class Param:
    name: str
    converter: str  # "int", "str", "slug", "path", … or "regex"
    regex: str = ""


@dataclass
class Route:
    parts: list  # str (literal) or Param
    callback: object
    label: str
    key: str  # as ResolverMatch.route names it

    @property
    def params(self) -> list[Param]:
        return [p for p in self.parts if isinstance(p, Param)]

    def url(self, values: dict[str, str]) -> str:
        return "/" + "".join(p if isinstance(p, str) else quote(values[p.name], safe="") for p in self.parts)


_DATE = re.compile(r"\d{2}/\d{2}/\d{4}|\d{4}-\d{2}-\d{2}")
_ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<parameter>[^>]+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>(?:[^()]|\([^()]*\))*)\)")


def _parts(pattern) -> list:
    """A route or a (simple) regex as literals and parameters."""
    if isinstance(pattern, RoutePattern):
        text, finder = str(pattern._route), _ROUTE_PARAM
        make = lambda m: Param(m["parameter"], m["converter"] or "str")  # noqa: E731
    elif isinstance(pattern, RegexPattern):
        text, finder = str(pattern._regex).removeprefix("^").removesuffix("$").removesuffix("\\Z"), _REGEX_GROUP
        make = lambda m: Param(m["name"], "regex", m["body"])  # noqa: E731
    else:  # pragma: no cover - a new kind of pattern: fail loudly rather than skip it
        raise AssertionError(f"unknown pattern type {type(pattern)!r}")
    parts, last = [], 0
    for m in finder.finditer(text):
        parts.append(text[last:m.start()].replace("\\", ""))
        parts.append(make(m))
        last = m.end()
    parts.append(text[last:].replace("\\", ""))
    return [p for p in parts if p != ""]


def all_routes() -> list[Route]:
    routes: list[Route] = []

    def walk(patterns, prefix: list, namespace: str, key: str):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + _parts(p.pattern),
                     f"{namespace}{p.namespace}:" if p.namespace else namespace,
                     URLResolver._join_route(key, str(p.pattern)))
            elif isinstance(p, URLPattern):
                parts = prefix + _parts(p.pattern)
                routes.append(Route(parts, p.callback, f"{namespace}{p.name or '?'} /" + "".join(
                    x if isinstance(x, str) else f"<{x.name}>" for x in parts),
                    URLResolver._join_route(key, str(p.pattern))))

    walk(get_resolver().url_patterns, [], "", "")
    return routes


# ---------------------------------------------------------------- the forms and links of a page
@dataclass
class Form:
    method: str
    action: str
    multipart: bool
    fields: dict = field(default_factory=dict)  # name -> default value (None: not sent by default)
    files: set = field(default_factory=set)


class PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def _add(self, name, value):
        form = self._form or self._loose()
        if form.fields.get(name) is None:
            form.fields[name] = value

    def _loose(self) -> Form:
        if not self.forms or self.forms[-1].action != "#loose":
            self.forms.append(Form("post", "#loose", False))
        return self.forms[-1]

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "a" and "?" in a.get("href", ""):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = Form((a.get("method") or "get").lower(), a.get("action", ""),
                              "multipart" in a.get("enctype", ""))
            self.forms.append(self._form)
        elif tag in ("input", "button") and a.get("name"):
            kind = a.get("type", "text" if tag == "input" else "submit").lower()
            if kind == "file":
                (self._form or self._loose()).files.add(a["name"])
            elif kind in ("checkbox", "radio"):
                self._add(a["name"], a.get("value", "on") if "checked" in a else None)
            else:
                self._add(a["name"], a.get("value", ""))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._add(self._select, None)
        elif tag == "option" and self._select:
            form = self._form or self._loose()
            if "selected" in a or (form.fields.get(self._select) in (None, "") and a.get("value")):
                form.fields[self._select] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._add(self._textarea, "")

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form.fields[self._textarea] = (self._form.fields.get(self._textarea) or "") + data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


# ---------------------------------------------------------------- the cast
class Cast:
    """The `World` province with dossiers in the states that show the most forms, and one client per user."""

    def __init__(self, world: World, capture):
        self.world = w = world
        with capture(execute=True):
            self.online = self._online()
            self.processing = w.processing(applicant_user=w.citizen)
            self.proposed = w.proposed()
            self.supplement = w.authority_supplement(applicant_user=w.citizen)
            self.returned = w.returned()
            self.rated = w.returned()
            with at(T_SUBMIT.replace(month=4)):
                survey_services.rating_submit(dossier=self.rated, overall=Level.NOT_SATISFIED,
                                              convenience=Level.NOT_SATISFIED, comment="Chậm", via=Via.LINK)
        assert set(ROLES) == set(Role), "a new role: give it a place in ROLES"
        admin = w.user(f"{Role.ADMIN}@{ROLES[Role.ADMIN]}")
        admin.is_staff = admin.is_superuser = True
        admin.save()
        dossiers = [self.online, self.processing, self.proposed, self.supplement, self.returned, self.rated]
        follow_up, notification = FollowUp.objects.first(), Notification.objects.first()
        attachment = self.online.attachments.first()
        self.values = {
            "pk": [str(d.pk) for d in dossiers] + [str(x.pk) for x in (follow_up, notification) if x],
            "code": [self.returned.code, self.online.code, self.supplement.code],
            "token": [make_token(dossier_id=self.returned.pk, via=via) for via in (Via.LINK, Via.KIOSK,
                                                                                  Via.TRACKING)],
            "national_code": [w.procedure.national_code],
            "number": ["01", "06"],
            "name": ["receive", "propose"],
            "agency_id": [str(w.desk.pk)],
            "attachment_pk": [str(attachment.pk)] if attachment else ["1"],
            "content_type_id": [str(ContentType.objects.get_for_model(Dossier).pk)],
            "id": [str(w.citizen.pk)],
        }
        self.clients: dict[str, Client] = {}
        anonymous = Client(raise_request_exception=False)
        session = anonymous.session
        session[TRACKED_KEY] = sorted(d.pk for d in dossiers)
        session.save()
        self.clients["anonymous"] = anonymous
        for label, user in [("citizen", w.citizen)] + [(str(role), w.user(f"{role}@{place}"))
                                                       for role, place in ROLES.items()]:
            client = Client(raise_request_exception=False)
            client.force_login(user)
            self.clients[label] = client
        self.cookies = {label: {k: v.value for k, v in c.cookies.items()} for label, c in self.clients.items()}

    def _online(self) -> Dossier:
        w = self.world
        uploads = [services.Upload(SimpleUploadedFile("to-khai.pdf", PDF_BYTES), w.form.pk)]
        with at(T_SUBMIT):
            return services.dossier_submit_online(
                procedure=w.procedure, receiving_agency=w.desk, uploads=uploads, applicant_user=w.citizen,
                applicant=services.ApplicantData(name="Lê Văn Mạng", id_number="079203001111",
                                                 phone="0912000222"))

    def candidates(self, param: Param, route: Route) -> list[str]:
        model_admin = getattr(route.callback, "model_admin", None)
        if param.name == "object_id" and model_admin is not None:
            sid = transaction.savepoint()
            try:
                first = model_admin.model._default_manager.order_by("pk").first()
            except DatabaseError:  # e.g. a model whose migration is still to be written: its pages will say so
                first = None
            transaction.savepoint_rollback(sid)
            return [str(first.pk)] if first else ["1"]
        if param.name in self.values:
            return self.values[param.name]
        if param.regex and re.fullmatch(r"[\w|]+", param.regex):
            return param.regex.split("|")[:2]
        return ["1"] if param.converter == "int" else ["x"]


# ---------------------------------------------------------------- the fuzzer
@dataclass
class Fuzzer:
    cast: Cast
    started: float = field(default_factory=time.monotonic)
    requests: int = 0
    failures: dict = field(default_factory=dict)  # (label, exception) -> first request
    seen_forms: set = field(default_factory=set)
    reached: dict = field(default_factory=dict)  # route label -> users who opened it
    post_only: set = field(default_factory=set)  # route labels answering GET with 405
    posted_fields: dict = field(default_factory=dict)  # route key -> field names of forms posting there
    _turn: itertools.count = field(default_factory=itertools.count)

    def value(self) -> str:
        return FIELD_VALUES[next(self._turn) % len(FIELD_VALUES)]

    def send(self, user: str, method: str, url: str, data=None, *, route: str = "", multipart=False):
        """One request in a savepoint rolled back afterwards; a 5xx (or an exception escaping the handler) is
        recorded with the first request that caused it."""
        client = self.cast.clients[user]
        client.cookies.clear()
        for key, value in self.cast.cookies[user].items():
            client.cookies[key] = value
        cache.clear()  # rate limits (tracking, login) would otherwise hide the code behind them
        sid = transaction.savepoint()
        self.requests += 1
        try:
            if method == "get":
                response = client.get(url, data or {})
            elif multipart:
                response = client.post(url, data or {})
            else:
                response = client.post(url, urlencode(data or {}, doseq=True),
                                       content_type="application/x-www-form-urlencoded")
            status = response.status_code
            problem = repr(response.exc_info[1])[:300] if getattr(response, "exc_info", None) else ""
        except Exception as exc:  # noqa: BLE001 - the handler itself failed (e.g. the 500 page): a 5xx too
            response, status, problem = None, 599, repr(exc)[:300]
        finally:
            transaction.savepoint_rollback(sid)
        if status >= 500:
            key = (route or url[:80], problem.split("(")[0] or str(status))
            self.failures.setdefault(key, f"{user} {method.upper()} {url[:200]!r} {_short(data)} → {status} "
                                          f"{problem}")
        return response

    # ------------------------------------------------------------ a page and what it renders
    def page(self, user: str, route: Route, url: str):
        response = self.send(user, "get", url, route=route.label)
        if response is None or not _view_reached(response):
            return
        self.reached.setdefault(route.label, set()).add(user)
        if response.status_code == 405:
            self.post_only.add(route.label)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            return
        parser = PageParser()
        parser.feed(response.content.decode("utf-8", "replace"))
        for form in parser.forms:
            if form.action != "#loose":
                self.form(user, url, form)
        for link in parser.links:
            self.link(user, url, link)

    def _target(self, page_url: str, action: str) -> tuple[str, str, dict] | None:
        """(path, route key, query) of an action or link on this site; None for elsewhere."""
        target = urlsplit(urljoin(page_url, action))
        if target.netloc not in ("", "testserver"):
            return None
        try:
            match = resolve(target.path)
        except Resolver404:
            return None
        kinds = {k: v for k, v in match.kwargs.items() if not str(v).isdigit()}
        return target.path, f"{match.route}{sorted(kinds.items())}", dict(parse_qsl(target.query))

    def form(self, user: str, page_url: str, form: Form):
        target = self._target(page_url, form.action)
        if target is None:
            return
        path, key, query = target
        names = sorted(form.fields) + sorted(form.files)
        if not names or (user, form.method, key, tuple(names)) in self.seen_forms:
            return
        self.seen_forms.add((user, form.method, key, tuple(names)))
        try:
            self.posted_fields.setdefault(resolve(path).route, set()).update(names)
        except Resolver404:  # pragma: no cover
            pass
        url = path if form.method == "get" else urljoin(page_url, form.action or page_url)
        defaults = {k: v for k, v in form.fields.items() if v is not None}
        one_by_one = [names[(next(self._turn) + i) % len(names)] for i in range(min(FIELDS_ONE_BY_ONE, len(names)))]
        variants = [{**defaults, name: self.value()} for name in dict.fromkeys(one_by_one)]
        everything = self.value()
        variants.append(dict.fromkeys(names, everything))
        dates = [name for name, value in defaults.items() if _DATE.fullmatch(str(value))]
        if dates:  # a period (or an appointment) as far as a date field accepts
            variants.append({**defaults, **dict.fromkeys(dates, "31/12/9999")})
        for data in variants:
            data = dict(data)
            files = {n: SimpleUploadedFile(f"{data.pop(n)[:40]}.pdf", PDF_BYTES) for n in form.files if n in data}
            if form.method == "get":
                self.send(user, "get", url, {**query, **data}, route=key)
            else:
                self.send(user, "post", url, {**data, **files}, route=key, multipart=form.multipart or bool(files))

    def link(self, user: str, page_url: str, href: str):
        target = self._target(page_url, href)
        if target is None or not target[2]:
            return
        path, key, query = target
        names = sorted(query)
        if (user, "link", key, tuple(names)) in self.seen_forms:
            return
        self.seen_forms.add((user, "link", key, tuple(names)))
        for name in names[:FIELDS_ONE_BY_ONE]:
            self.send(user, "get", path, {**query, name: self.value()}, route=key)
        self.send(user, "get", path, dict.fromkeys(names, self.value()), route=key)

    # ------------------------------------------------------------ malformed path values
    def path_values(self, route: Route, valid: dict[str, str], values: list[str]):
        users = sorted(self.reached.get(route.label, ())) or list(self.cast.clients)
        names = sorted(self.posted_fields.get(route.key, ()))
        post = bool(names) or route.label in self.post_only
        turn = 0
        for param in route.params:
            for value in values:
                user = users[turn % len(users)]
                turn += 1
                url = route.url({**valid, param.name: value})
                if route.label not in self.post_only:
                    self.send(user, "get", url, route=route.label)
                if post:
                    self.send(user, "post", url, dict.fromkeys(names, value), route=route.label)


def _view_reached(response) -> bool:
    """Whether the view itself answered: a page, a refused method, a redirect elsewhere than to a login page."""
    status = response.status_code
    if status in (200, 405):
        return True
    return 300 <= status < 400 and "login" not in _url_name(response.get("Location", ""))


def _url_name(location: str) -> str:
    try:
        return resolve(urlsplit(location).path).url_name or ""
    except Resolver404:
        return ""


def _view_code(callback) -> str:
    view = getattr(callback, "view_class", callback)
    return f"{view.__module__}.{view.__qualname__}"


def _short(data) -> str:
    if not data:
        return ""
    return "{" + ", ".join(f"{k}={str(v)[:20]!r}" for k, v in list(data.items())[:6]) + "}"


@pytest.fixture
def cast(django_capture_on_commit_callbacks) -> Cast:
    return Cast(World(), django_capture_on_commit_callbacks)


@pytest.fixture
def quiet_request_log():
    """Thousands of 4xx warnings (and the 5xx under investigation, reported by the test) stay out of the output."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


@pytest.fixture
def no_pdf_engine(monkeypatch):
    """The printable templates are rendered, but not laid out by WeasyPrint (seconds per page)."""
    from printing import documents
    from reports import exports

    def fake(html: str) -> bytes:
        assert isinstance(html, str)
        return b"%PDF-1.4\n%%EOF\n"

    monkeypatch.setattr(documents, "html_to_pdf", fake)
    if hasattr(exports, "html_to_pdf"):
        monkeypatch.setattr(exports, "html_to_pdf", fake)


def test_no_url_answers_malformed_input_with_a_server_error(cast, no_pdf_engine, quiet_request_log, capsys):
    fuzzer = Fuzzer(cast)
    routes = all_routes()
    assert any(r.label.startswith("admin:") for r in routes) and len(routes) > 40
    combos = {}
    for route in routes:
        lists = [cast.candidates(p, route) for p in route.params]
        combos[route.label] = [dict(zip([p.name for p in route.params], c, strict=True))
                               for c in itertools.islice(itertools.product(*lists), MAX_COMBOS)]
    # Valid addresses first (they reveal the forms and who may open what), then the malformed path values.
    for route in routes:
        for valid in combos[route.label]:
            url = route.url(valid)
            for user in cast.clients:
                fuzzer.page(user, route, url)
    # Addresses served by the same view code (the admin's change page of every model…) share the values out,
    # at least a third of them each; any other address gets them all.
    by_view = {}
    for route in routes:
        if route.params:
            by_view.setdefault(_view_code(route.callback), []).append(route)
    for same_view in by_view.values():
        share = min(len(same_view), 3)
        for i, route in enumerate(same_view):
            fuzzer.path_values(route, combos[route.label][0], PATH_VALUES[i % share::share])
    # Cookies the site reads (session, CSRF, language) replaced by each malformed value.
    names = {name for client in cast.clients.values() for name in client.cookies} | {
        settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME, "messages"}
    for name in sorted(names):
        for value in PATH_VALUES:
            cast.cookies["anonymous"], saved = {**cast.cookies["anonymous"], name: value}, cast.cookies["anonymous"]
            for url in ("/", "/can-bo/", "/tra-cuu/"):
                fuzzer.send("anonymous", "get", url, route=f"cookie {name}")
            cast.cookies["anonymous"] = saved
    elapsed = time.monotonic() - fuzzer.started
    with capsys.disabled():
        print(f"\nfuzz: {len(routes)} URL patterns, {fuzzer.requests} requests in {elapsed:.1f}s, "
              f"{len(fuzzer.failures)} kinds of server error")
    assert not fuzzer.failures, "server errors:\n" + "\n".join(
        f"- {route} [{kind}]: {example}" for (route, kind), example in sorted(fuzzer.failures.items()))


# ---------------------------------------------------------------- the defects the fuzz found, one by one
REFUSED = "Yêu cầu không hợp lệ"


@pytest.fixture
def province(db) -> World:
    return World()


@pytest.mark.parametrize("url", ["/tra-cuu/%00/", "/thu-tuc/%00/", "/nop-ho-so/%00/", "/da-nop/%00/",
                                 "/tra-cuu/%00/bo-sung/", "/thu-tuc/?q=%00", "/thu-tuc/?q=a%01b",
                                 "/thu-tuc/?%00=1", "/tra-cuu/a%7Fb/", "/tra-cuu/a%C2%85b/"])
def test_control_characters_in_the_address_are_refused_with_400(client, db, url):
    response = client.get(url)
    assert response.status_code == 400 and REFUSED in response.content.decode()


def test_a_nul_in_the_staff_search_is_refused(client, province):
    client.force_login(province.user("clerk@desk"))
    response = client.get("/can-bo/", {"tim": "H61\x00"})
    assert response.status_code == 400 and REFUSED in response.content.decode()
    assert client.get("/can-bo/", {"tim": "H61"}).status_code == 200


def test_a_nul_in_a_posted_field_is_refused_before_the_view(client, db):
    for data in ({"ma": "H61\x00", "sdt": "0912000111"}, {"ma\x00": "x"}):
        response = client.post("/tra-cuu/", data)  # multipart, as browsers send files
        assert response.status_code == 400 and REFUSED in response.content.decode()
        response = client.post("/tra-cuu/", urlencode(data), content_type="application/x-www-form-urlencoded")
        assert response.status_code == 400 and REFUSED in response.content.decode()


def test_tabs_and_line_breaks_are_text(client, db):
    response = client.post("/tra-cuu/", {"ma": "H61\tX\r\n", "sdt": "0912\n000111"})
    assert response.status_code == 404 and REFUSED not in response.content.decode()  # looked up, not found


def test_lone_surrogates_and_file_contents(rf):
    from django.http import QueryDict
    from django.utils.datastructures import MultiValueDict

    from onecua.input_guard import has_invalid_characters, invalid_part

    assert has_invalid_characters("a\ud800b") and has_invalid_characters("\x00")
    assert not has_invalid_characters("Nguyễn Văn A\t\r\n€ 😀")
    request = rf.post("/tra-cuu/", "ma=x", content_type="application/x-www-form-urlencoded")
    request._post, request._files = QueryDict(mutable=True), MultiValueDict()
    request._post["ma"] = "\udfff"  # as json.loads('"\\udfff"') would give
    assert invalid_part(request) == "form"
    upload = rf.post("/nop-ho-so/1/", {"applicant_name": "Bình", "file_1": SimpleUploadedFile("a.pdf", b"\x00\x01")})
    assert invalid_part(upload) is None  # a file's content is not text


def test_a_cookie_holding_a_nul_is_dropped_before_the_session_is_read(rf, client, db):
    from onecua.input_guard import InputGuardMiddleware

    seen = {}
    request = rf.get("/", HTTP_COOKIE='sessionid="abcdefghij\\000klm"; csrftoken=abc; django_language=en')
    InputGuardMiddleware(lambda r: seen.update(r.COOKIES))(request)
    assert seen == {"csrftoken": "abc", "django_language": "en"}
    client.cookies["sessionid"] = "abcdefghij\x00klmnopqrstuvwxyz"
    assert client.get("/").status_code == 200  # as anonymous, on PostgreSQL too


def test_the_refusal_speaks_the_visitors_language(client, db):
    client.cookies["django_language"] = "en"
    response = client.get("/thu-tuc/?q=%00")
    assert response.status_code == 400 and "Invalid request" in response.content.decode()
    assert response["Content-Security-Policy"] and response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("query", [{"procedure": "²"}, {"procedure": "99999999999999999999"}])
def test_desk_intake_with_unicode_digits_in_the_procedure(client, province, query):
    client.force_login(province.user("clerk@desk"))
    assert client.get(reverse("workspace:intake", args=[province.desk.pk]), query).status_code == 200


def test_an_action_with_unicode_digits_in_the_version(client, province):
    dossier = province.submitted()
    client.force_login(province.user("clerk@desk"))
    response = client.post(reverse("workspace:action", args=[dossier.pk, "receive"]), {"version": "²", "receive-note": ""})
    assert response.status_code == 302


def test_a_report_list_with_unicode_digits_in_the_row(client, province):
    client.force_login(province.user("inspector@province"))
    response = client.get(reverse("reports:drill_down"), {"col": "received_total", "row": "agency:²"})
    assert response.status_code == 400


@pytest.mark.parametrize(("name", "user", "extra"), [
    ("reports:ii06a", "inspector@province", {}),
    ("reports:dashboard", "inspector@province", {}),
    ("surveys_staff:results", "inspector@province", {}),
    ("workspace:book", "clerk@desk", {"agency": "desk"}),
])
@pytest.mark.parametrize("end", ["31/12/9999", "9999-12-31"])
def test_a_period_ending_in_year_9999_is_refused_with_a_message(client, province, name, user, extra, end):
    client.force_login(province.user(user))
    query = {"start": end, "end": end, **{k: province.place(v).pk for k, v in extra.items()}}
    response = client.get(reverse(name), query)
    assert response.status_code == 400
    assert "Hãy nhập một ngày từ 01/01/2000 đến 31/12/2100." in response.content.decode()


@pytest.fixture
def superuser_client(client, province):
    admin = province.user("admin@province")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    return client


@pytest.mark.parametrize("selected", ["..", "²", "99999999999999999999", "-99999999999999999999"])
def test_an_admin_action_on_a_selection_that_is_no_key(superuser_client, province, selected):
    response = superuser_client.post("/admin/procedures/procedure/", {
        "action": "delete_selected", "index": "0", "_selected_action": [str(province.procedure.pk), selected]})
    assert response.status_code == 302
    assert type(province.procedure).objects.filter(pk=province.procedure.pk).exists()


@pytest.mark.parametrize("month", ["-9999999999999999999", "99999999999999999999"])
def test_an_admin_date_hierarchy_link_with_an_absurd_month(superuser_client, province, month):
    response = superuser_client.get("/admin/dossiers/dossier/", {
        "submitted_at__year": "2025", "submitted_at__month": month})
    assert response.status_code == 302 and "e=1" in response.url


def test_an_admin_autocomplete_box_shown_again_with_a_value_that_is_no_key(superuser_client, province):
    response = superuser_client.post("/admin/accounts/staffmembership/add/", {
        "user": "1e400", "agency": "a@b", "role": "clerk", "is_active": "on", "_save": "Lưu"})
    assert response.status_code == 200 and "errornote" in response.content.decode()


def test_an_admin_list_edited_in_place_with_a_key_beyond_64_bits(superuser_client, province):
    from surveys.models import Question

    assert Question.objects.exists()
    response = superuser_client.post("/admin/surveys/question/", {
        "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "1000",
        "form-0-id": "99999999999999999999", "_save": "Lưu"})
    assert response.status_code == 200
