"""The applicant's access to their dossier on the public pages: a dossier found by code + phone (or ID number)
is remembered in the session, and a signed-in applicant sees the dossiers linked to their account. Every citizen
page of a dossier (portal, payments, signed results) goes through `tracked_or_404`."""

import weakref
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Q, QuerySet
from django.http import Http404

from core.prepared import convert_row
from dossiers.models import Dossier

TRACKED_KEY = "portal_tracked_dossiers"


# ---------------------------------------------------------------- the citizen's own dossiers
def citizen_dossiers_q(user) -> Q:
    """The dossiers that are a signed-in citizen's own: linked to the account, and, for an account keyed by a
    personal identification number (signed in through the national identity), those whose applicant or authorised
    person bears that number — desk dossiers received before the account existed included."""
    match = Q(applicant_user=user)
    if getattr(user, "personal_id", ""):
        match |= Q(applicant_id_number=user.personal_id) | Q(authorised_id_number=user.personal_id)
    return match


# ---------------------------------------------------------------- tracking
def remember_tracked(request, dossier: Dossier) -> None:
    tracked = set(request.session.get(TRACKED_KEY, []))
    tracked.add(dossier.pk)
    request.session[TRACKED_KEY] = sorted(tracked)


def may_see(request, *, pk: int, applicant_user_id, applicant_id_number: str, authorised_id_number: str) -> bool:
    """Whether this visitor may see the dossier with these values: linked to their account (or bearing their
    personal identification number), or found by code + phone in this session."""
    user = request.user
    owner = user.is_authenticated and (
        applicant_user_id == user.pk
        or (getattr(user, "personal_id", "") and user.personal_id in (applicant_id_number, authorised_id_number)))
    return bool(owner) or pk in request.session.get(TRACKED_KEY, [])


class ValuesByCode:
    """The values of the one dossier `build(code)` finds (a `.values(...)` queryset filtered on the code, with any
    annotations), as a dict; None when no dossier has that code. Its SQL is compiled once per database connection
    and run again with each code: compiling a queryset with EXISTS annotations costs several times what the
    database spends answering it, on the busiest citizen page (core.prepared.Prepared does the same for model
    instances, without annotations). A shape whose statement does not hold the probe exactly once is run through
    the ORM every time."""

    PROBE = "\x1fcode-probe\x1f"

    def __init__(self, build: Callable[[str], QuerySet], *, using: str = DEFAULT_DB_ALIAS):
        self.build, self.using = build, using
        self._compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # per connection (per thread)

    def _compile(self, connection):
        query = self.build(self.PROBE).query
        compiler = query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        params = list(params)
        if params.count(self.PROBE) != 1:
            return None
        names = list(query.selected) if query.selected else [*query.extra_select, *query.values_select,
                                                                 *query.annotation_select]
        columns = [s[0] for s in compiler.select[: compiler.col_count]]
        if len(names) != len(columns):
            return None
        return sql, params, params.index(self.PROBE), names, list(compiler.get_converters(columns).items())

    def get(self, code: str) -> dict | None:
        connection = connections[self.using]
        try:
            compiled = self._compiled[connection]
        except KeyError:
            compiled = self._compiled[connection] = self._compile(connection)
        if compiled is None:
            return self.build(code).first()
        sql, params, position, names, converters = compiled
        params = params.copy()
        params[position] = code
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip(names, convert_row(row, converters, connection), strict=True))


def tracked_or_404(request, code: str, *, annotate: dict | None = None,
                   related: tuple[str, ...] = ("procedure", "receiving_agency")) -> Dossier:
    """The dossier `code` if this visitor may see it (tracked in this session, or linked to their account); 404
    otherwise, revealing nothing. `annotate`: values the page needs read in the same query (e.g. whether forms
    were issued: `dossiers.selectors.citizen_forms_annotations`), so its panels need no query of their own;
    `related`: the rows joined (a page that shows only the procedure's name joins only the procedure)."""
    dossiers = Dossier.objects.select_related(*related)
    if annotate:
        dossiers = dossiers.annotate(**annotate)
    dossier = dossiers.filter(code=code).first()
    if dossier is None or not may_see(request, pk=dossier.pk, applicant_user_id=dossier.applicant_user_id,
                                      applicant_id_number=dossier.applicant_id_number,
                                      authorised_id_number=dossier.authorised_id_number):
        raise Http404
    return dossier
