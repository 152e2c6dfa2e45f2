"""Reads of the catalog: the public search and a procedure's page."""

from django.db.models import Prefetch, QuerySet

from .models import Agency, Field, Procedure, RequiredDocument


def catalog_search(
    *, query: str = "", field_id: int | None = None, level: str = "", online_level: str = ""
) -> QuerySet[Procedure]:
    qs = Procedure.objects.active().select_related("field")
    if query:
        qs = qs.search(query)
    if field_id:
        qs = qs.filter(field_id=field_id)
    if level:
        qs = qs.filter(level=level)
    if online_level:
        qs = qs.filter(online_level=online_level)
    return qs.order_by("name", "national_code")


def catalog_fields() -> QuerySet[Field]:
    return Field.objects.filter(procedures__is_active=True).distinct().order_by("name")


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
