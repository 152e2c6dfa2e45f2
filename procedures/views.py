"""Public catalog pages: home, search list, procedure detail.

Their catalog parts are HTML fragments kept in the cache (`catalog_fragments`) with the catalog version they were
rendered at (procedures.signals.catalog_version: a new one on any catalog change): one cache round trip reads the
current version and the fragments together, and a fragment rendered at an older version is rendered afresh. The
queries behind a fragment (the search, the field list, a procedure's documents, fees and desks) run only then.
What is not the catalog's — the processing figures, the published answers — has caches of its own; the procedure
page keeps its whole content too, under all of their versions (procedure_detail). The layout: core/templatetags/shell.
"""

import functools
import hashlib

from django.conf import settings
from django.core.cache import cache, caches
from django.core.paginator import Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from procedures.forms import CatalogSearchForm
from procedures.models import Agency, Procedure, RequiredDocument
from procedures.selectors import catalog_fields, catalog_search
from procedures.signals import CATALOG_FRAGMENT_SECONDS, CATALOG_VERSION_KEY, catalog_version

LIST_PARAMETERS = ("q", "field", "level", "online_level", "page")


def catalog_fragments(request, name: str, key: str, render_fragments) -> dict:
    """The fragments `name` for `key` (and the language): from the cache when stored at the current catalog
    version, else `render_fragments()` (a dict of name → HTML, plus any plain values worth keeping) stored; and
    under "version" that version."""
    digest = hashlib.sha256(f"{name}\n{get_language()}\n{key}".encode()).hexdigest()
    cache_key = f"procedures:fragment:{digest}"
    version = cache.get(CATALOG_VERSION_KEY) or catalog_version()
    local = caches["catalog_fragments"]  # bounded, per process (settings.CACHES)
    stored = local.get(cache_key)
    if stored is not None and stored[0] == version:
        fragments = stored[1]
    else:
        fragments = render_fragments()
        local.set(cache_key, (version, fragments), CATALOG_FRAGMENT_SECONDS)
    # Plus the version they are current at (the procedure page keeps its whole content under it).
    return {"version": version,
            **{k: mark_safe(v) if isinstance(v, str) else v for k, v in fragments.items()}}  # noqa: S308 - our HTML


def home(request):
    def fragments():
        context = {"form": CatalogSearchForm(), "fields": catalog_fields()}
        return {"home": render_to_string("procedures/_home_catalog.html", context, request)}

    return render(request, "procedures/home.html", {"catalog": catalog_fragments(request, "home", "", fragments)})


def procedure_list(request):
    # Only the search form's own parameters, page included, count: the fragments' key, in a stable order (a
    # parameter the page does not know neither makes a new entry nor travels in its links).
    params = QueryDict(mutable=True)
    for name in LIST_PARAMETERS:
        if name in request.GET:
            params.setlist(name, request.GET.getlist(name))
    key = params.urlencode()

    def fragments():
        form = CatalogSearchForm(params or None)
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            procedures = catalog_search(
                query=data["q"], field_id=data["field"], level=data["level"], online_level=data["online_level"]
            )
        else:
            procedures = catalog_search()
        page = Paginator(procedures, settings.ONECUA["CATALOG_PAGE_SIZE"]).get_page(params.get("page"))
        query_string = params.copy()
        query_string.pop("page", None)
        context = {"form": form, "page": page, "query_string": query_string.urlencode()}
        results = render_to_string("procedures/_results.html", context, request)
        return {"results": results,
                "list": render_to_string("procedures/_list_catalog.html",
                                         {**context, "catalog": {"results": mark_safe(results)}}, request)}  # noqa: S308

    catalog = catalog_fragments(request, "list", key, fragments)
    if request.htmx:
        return HttpResponse(catalog["results"])
    return render(request, "procedures/list.html", {"catalog": catalog})


def _page_versions(procedure_id) -> list[str]:
    """The shared-cache keys of the versions the procedure page's content depends on: the catalog's, then those
    of the parts other apps add (settings.ONECUA["PROCEDURE_PAGE_VERSIONS"]: a key, or a function of the
    procedure's id giving one)."""
    return [CATALOG_VERSION_KEY, *(found(procedure_id) if callable(found) else found
                                   for found in _imported(tuple(settings.ONECUA.get("PROCEDURE_PAGE_VERSIONS", []))))]


@functools.cache
def _imported(dotted_names: tuple[str, ...]) -> tuple:
    return tuple(import_string(dotted) for dotted in dotted_names)


def _versions(keys) -> tuple:
    found = cache.get_many(keys)
    return tuple(found.get(key) for key in keys)


def procedure_detail(request, national_code: str):
    """The page's whole content is kept per process and language with the versions of everything in it (the
    catalog, the figures, the published answers) and the day (the figures are the last 12 months'): one cache
    round trip checks them all. Otherwise its parts are put together, each from its own cache, and kept under the
    versions read before them (a change meanwhile is never stored as current)."""
    local = caches["catalog_fragments"]  # bounded, per process (settings.CACHES)
    today = timezone.localdate().isoformat()
    page_key = "procedures:page:" + hashlib.sha256(f"{get_language()}\n{national_code}".encode()).hexdigest()
    stored = local.get(page_key)
    if stored is not None:
        pk, name, versions, day, content = stored
        current = _versions(_page_versions(pk))
        if day == today and current == versions:
            return render(request, "procedures/detail.html", {"name": name, "content": mark_safe(content)})  # noqa: S308

    def fragments():
        procedure = Procedure.objects.active().select_related("field").filter(national_code=national_code).first()
        if procedure is None:
            raise Http404  # unknown or withdrawn: nothing stored
        prefetch_related_objects(
            [procedure], Prefetch("documents", queryset=RequiredDocument.objects.order_by("position", "id")), "fees",
            Prefetch("agencies", queryset=Agency.objects.order_by("name")))
        context = {"details": procedure}
        return {"pk": procedure.pk, "name": procedure.name,
                "head": render_to_string("procedures/_detail_head.html", context, request),
                "body": render_to_string("procedures/_detail_body.html", context, request)}

    catalog = catalog_fragments(request, "detail", national_code, fragments)
    if stored is None or stored[0] != catalog["pk"]:
        # The catalog's version the fragments were rendered at; the other parts' read before they are.
        current = (catalog["version"], *_versions(_page_versions(catalog["pk"])[1:]))
    # The row as the fragments saw it (the figures and the answers below need its id; the title its name).
    procedure = Procedure(pk=catalog["pk"], national_code=national_code, name=catalog["name"])
    context = {"procedure": procedure, "catalog": catalog}
    # Higher apps (dossiers) add their figures without this app importing them.
    for dotted in settings.ONECUA.get("PROCEDURE_PAGE_CONTEXT", []):
        context.update(import_string(dotted)(procedure=procedure))
    content = render_to_string("procedures/_detail_content.html", context, request)
    if None not in current:  # a version not made yet: the parts make it, and the next request stores the page
        local.set(page_key, (procedure.pk, procedure.name, current, today, content), CATALOG_FRAGMENT_SECONDS)
    return render(request, "procedures/detail.html", {"name": procedure.name, "content": mark_safe(content)})  # noqa: S308
