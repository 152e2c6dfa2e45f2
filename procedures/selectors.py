"""Reads of the catalog: the public search and a procedure's page."""

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.db.models.functions import StrIndex, Substr

from procedures.models import Agency, Field, Procedure, RequiredDocument
from procedures.text import fold, sort_key

# Relevance of a match, best first (see catalog_search).
EXACT, PREFIX, PHRASE, WORDS = range(4)


def catalog_search(
    *, query: str = "", field_id: int | None = None, level: str = "", online_level: str = ""
) -> QuerySet[Procedure]:
    """Active procedures matching the filters: by relevance to the query, then in Vietnamese alphabetical order.

    Relevance, on the folded name (no diacritics, lower case, single spaces): the name (or the code) is the query
    → the name starts with it → the name has the query as a phrase starting at a word → the name and code
    merely contain every word of the query (the filter: catalog search matches nothing else).
    """
    qs = Procedure.objects.active().select_related("field")
    if field_id:
        qs = qs.filter(field_id=field_id)
    if level:
        qs = qs.filter(level=level)
    if online_level:
        qs = qs.filter(online_level=online_level)
    folded = fold(query)
    if not folded:
        return qs.order_by("sort_key", "national_code")
    qs = qs.search(folded).alias(
        # search_text is "<code> <folded name>" and a code has no spaces: the folded name is what follows the
        # first space, computed by the database so that nothing more is stored.
        folded_name=Substr("search_text", StrIndex("search_text", Value(" ")) + 1),
        relevance=Case(
            When(folded_name=folded, then=Value(EXACT)),
            *([When(search_text__startswith=f"{folded} ", then=Value(EXACT))] if " " not in folded else []),
            When(folded_name__startswith=folded, then=Value(PREFIX)),
            When(folded_name__contains=f" {folded}", then=Value(PHRASE)),
            default=Value(WORDS),
            output_field=IntegerField(),
        ),
    )
    return qs.order_by("relevance", "sort_key", "national_code")


def catalog_fields() -> list[Field]:
    """The fields that have active procedures, in Vietnamese alphabetical order (a few dozen: sorted here)."""
    fields = Field.objects.filter(procedures__is_active=True).distinct()
    return sorted(fields, key=lambda field: (sort_key(field.name), field.code))


def procedure_detail(*, national_code: str) -> Procedure:
    return (
        Procedure.objects.active()
        .select_related("field")
        .prefetch_related(
            Prefetch("documents", queryset=RequiredDocument.objects.order_by("position", "id")),
            "fees",
            Prefetch("agencies", queryset=Agency.objects.order_by("name")),
        )
        .get(national_code=national_code)
    )
