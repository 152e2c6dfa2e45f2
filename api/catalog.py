"""The public part of the API: the catalog of procedures (the site's own search: diacritic-free, by relevance, then
Vietnamese alphabetical order), agencies, the API's index and the pages of its problem types. No token needed; a
client's token, when sent, must carry catalog:read and gives the client's own rate limit."""

from django.conf import settings
from django.db.models import Prefetch
from django.http import Http404
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from api.base import ApiView, PageNumbers, problems
from api.models import Scope
from api.problems import PROBLEM_TYPES, type_uri
from api.serializers import AgencySerializer, ProcedureDetailSerializer, ProcedureSerializer
from procedures.models import Agency, Field, OnlineLevel, Procedure, ProcedureLevel, RequiredDocument
from procedures.selectors import catalog_search, procedure_detail

CATALOG = "Danh mục"


class CatalogView(ApiView):
    required_scopes = [Scope.CATALOG_READ]
    public = True
    pagination_class = PageNumbers


class ProcedureFilters(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text=_(
        "Tìm theo tên hoặc mã, không cần dấu: “dang ky khai sinh” tìm được “Đăng ký khai sinh”."))
    field = serializers.CharField(required=False, max_length=50, help_text=_("Mã lĩnh vực."))
    level = serializers.ChoiceField(choices=ProcedureLevel.choices, required=False, help_text=_("Cấp thực hiện."))
    online = serializers.ChoiceField(choices=OnlineLevel.choices, required=False,
                                     help_text=_("Mức độ dịch vụ công trực tuyến."))


def _with_related(qs):
    return qs.select_related("field").prefetch_related(
        Prefetch("documents", queryset=RequiredDocument.objects.order_by("position", "id")),
        "fees", Prefetch("agencies", queryset=Agency.objects.order_by("name")))


class ProcedureList(CatalogView):
    serializer_class = ProcedureSerializer

    @extend_schema(tags=[CATALOG], operation_id="procedures_list", summary="Danh mục thủ tục hành chính", parameters=[ProcedureFilters],
                   responses={200: ProcedureSerializer(many=True), **problems(404)})
    def get(self, request):
        filters = ProcedureFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        field_id = None
        if data.get("field"):
            field_id = Field.objects.filter(code=data["field"]).values_list("id", flat=True).first() or -1
        procedures = catalog_search(query=data.get("q", ""), field_id=field_id, level=data.get("level", ""),
                                    online_level=data.get("online", ""))
        page = self.paginate_queryset(_with_related(procedures))
        return self.get_paginated_response(ProcedureSerializer(page, many=True).data)


class ProcedureDetail(CatalogView):
    serializer_class = ProcedureDetailSerializer

    @extend_schema(tags=[CATALOG], summary="Một thủ tục: thành phần hồ sơ, phí, thời hạn, nơi tiếp nhận",
                   responses={200: ProcedureDetailSerializer, **problems(404)})
    def get(self, request, national_code: str):
        try:
            procedure = procedure_detail(national_code=national_code)
        except Procedure.DoesNotExist as exc:
            raise Http404 from exc
        context = {}
        # The procedure page's figures come from a higher app through the settings hook the page uses.
        for dotted in settings.ONECUA.get("PROCEDURE_PAGE_CONTEXT", []):
            context.update(import_string(dotted)(procedure=procedure))
        serializer = ProcedureDetailSerializer(procedure, context={"processing_time": context.get("reality")})
        return Response(serializer.data)


class AgencyFilters(serializers.Serializer):
    parent = serializers.CharField(required=False, max_length=35, help_text=_("Mã định danh của cơ quan cấp trên."))
    one_stop_desk = serializers.BooleanField(required=False, allow_null=True, default=None,
                                             help_text=_("Chỉ Bộ phận Một cửa (true) hoặc không (false)."))
    active = serializers.BooleanField(required=False, allow_null=True, default=None,
                                      help_text=_("Chỉ đơn vị đang hoạt động (true) hoặc đã giải thể (false)."))


class AgencyList(CatalogView):
    serializer_class = AgencySerializer

    @extend_schema(tags=[CATALOG], operation_id="agencies_list", summary="Cơ quan, đơn vị", parameters=[AgencyFilters],
                   responses={200: AgencySerializer(many=True), **problems(404)})
    def get(self, request):
        filters = AgencyFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        qs = Agency.objects.select_related("parent").order_by("identifier")
        if data.get("parent"):
            qs = qs.filter(parent__identifier=data["parent"])
        if data.get("one_stop_desk") is not None:
            qs = qs.filter(is_one_stop_desk=data["one_stop_desk"])
        if data.get("active") is not None:
            qs = qs.filter(valid_to__isnull=data["active"])
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(AgencySerializer(page, many=True).data)


class AgencyDetail(CatalogView):
    serializer_class = AgencySerializer

    @extend_schema(tags=[CATALOG], summary="Một cơ quan", responses={200: AgencySerializer, **problems(404)})
    def get(self, request, identifier: str):
        agency = Agency.objects.select_related("parent").filter(identifier=identifier).first()
        if agency is None:
            raise Http404
        return Response(AgencySerializer(agency).data)


class Index(CatalogView):
    pagination_class = None

    @extend_schema(tags=[CATALOG], summary="Các địa chỉ của API", responses={
        200: inline_serializer("ApiIndex", {"name": serializers.CharField(),
                                            "links": serializers.DictField(child=serializers.CharField())}),
        **problems()})
    def get(self, request):
        names = ("procedures", "agencies", "figures", "dossiers", "events", "schema", "docs")
        return Response({"name": str(settings.SPECTACULAR_SETTINGS["TITLE"]),
                         "links": {name: reverse(f"api:{name}") for name in names} | {"token": reverse("oauth2_token")}})


class ProblemTypeView(CatalogView):
    pagination_class = None

    @extend_schema(tags=[CATALOG], summary="Ý nghĩa của một loại lỗi (trường `type` của lỗi)",
                   parameters=[OpenApiParameter("slug", str, OpenApiParameter.PATH, enum=sorted(PROBLEM_TYPES))],
                   responses={200: inline_serializer("ProblemType", {
                       "type": serializers.CharField(), "title": serializers.CharField(),
                       "description": serializers.CharField()}), **problems(404)})
    def get(self, request, slug: str):
        kind = PROBLEM_TYPES.get(slug)
        if kind is None:
            raise Http404
        return Response({"type": type_uri(slug), "title": str(kind.title), "description": str(kind.description)})
