"""Public catalog pages: home, search list, procedure detail.

Their catalog parts are HTML fragments kept in the cache (`catalog_fragments`) with the catalog version they were
rendered at (procedures.signals.catalog_version: a new one on any catalog change): one cache round trip reads the
current version and the fragments together, and a fragment rendered at an older version is rendered afresh. The
queries behind a fragment (the search, the field list, a procedure's documents, fees and desks) run only then.
What is not the catalog's — the processing figures, the published answers, the header — is rendered each time.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache, caches
from django.core.paginator import Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
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
    version, else `render_fragments()` (a dict of name → HTML, plus any plain values worth keeping) stored."""
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
    return {k: mark_safe(v) if isinstance(v, str) else v for k, v in fragments.items()}  # noqa: S308 - our HTML


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


def procedure_detail(request, national_code: str):
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
    # The row as the fragments saw it (the figures and the answers below need its id; the title its name).
    procedure = Procedure(pk=catalog["pk"], national_code=national_code, name=catalog["name"])
    context = {"procedure": procedure, "catalog": catalog}
    # Higher apps (dossiers) add their figures without this app importing them.
    for dotted in settings.ONECUA.get("PROCEDURE_PAGE_CONTEXT", []):
        context.update(import_string(dotted)(procedure=procedure))
    return render(request, "procedures/detail.html", context)
