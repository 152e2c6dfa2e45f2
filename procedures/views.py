"""Public catalog pages: home, search list, procedure detail."""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.module_loading import import_string

from procedures.forms import CatalogSearchForm
from procedures.models import Procedure
from procedures.selectors import catalog_fields, catalog_search
from procedures.selectors import procedure_detail as select_procedure


def home(request):
    return render(request, "procedures/home.html", {"form": CatalogSearchForm(), "fields": catalog_fields()})


def procedure_list(request):
    form = CatalogSearchForm(request.GET or None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        procedures = catalog_search(
            query=data["q"], field_id=data["field"], level=data["level"], online_level=data["online_level"]
        )
    else:
        procedures = catalog_search()
    page = Paginator(procedures, settings.ONECUA["CATALOG_PAGE_SIZE"]).get_page(request.GET.get("page"))
    query_string = request.GET.copy()
    query_string.pop("page", None)
    context = {"form": form, "page": page, "query_string": query_string.urlencode()}
    template = "procedures/_results.html" if request.htmx else "procedures/list.html"
    return render(request, template, context)


def procedure_detail(request, national_code: str):
    try:
        procedure = select_procedure(national_code=national_code)
    except Procedure.DoesNotExist as exc:
        raise Http404 from exc
    context = {"procedure": procedure}
    # Higher apps (dossiers) add their figures without this app importing them.
    for dotted in settings.ONECUA.get("PROCEDURE_PAGE_CONTEXT", []):
        context.update(import_string(dotted)(procedure=procedure))
    return render(request, "procedures/detail.html", context)
