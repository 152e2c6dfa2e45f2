"""The OpenAPI 3 schema (/api/v1/schema/) and its documentation page (/api/v1/docs/).

The page is drf-spectacular's Swagger UI in its "split" form (the start-up script is a file of its own, not inline)
with Swagger UI served from this site (api/static/api/swagger-ui/, vendored), so it works without internet access
and under the site's Content Security Policy, which allows scripts and styles from this site only."""

from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

SWAGGER_UI = "api/swagger-ui"

# OpenAPI links: which value of a response feeds which later call (Swagger UI shows them under each response;
# schemathesis' stateful run chains calls along them: tests/api/test_schemathesis.py).
# (operationId, status) → {link name: (target operationId, parameters, request body or None, description)}.
LINKS = {
    ("procedures_list", "200"): {
        "GetProcedure": ("procedures_retrieve", {"national_code": "$response.body#/results/0/national_code"}, None,
                         _("Một thủ tục của trang.")),
    },
    ("procedures_retrieve", "200"): {
        "SubmitDossier": ("dossiers_create", {}, {"procedure": "$response.body#/national_code",
                                                  "agency": "$response.body#/agencies/0/identifier"},
                          _("Nộp hồ sơ trực tuyến cho thủ tục này tại Bộ phận Một cửa đầu tiên của nó.")),
    },
    ("agencies_list", "200"): {
        "GetAgency": ("agencies_retrieve", {"identifier": "$response.body#/results/0/identifier"}, None,
                      _("Một cơ quan của trang.")),
    },
    ("dossiers_create", "201"): {
        "GetSubmittedDossier": ("dossiers_retrieve", {"code": "$response.body#/code"}, None,
                                _("Đọc lại hồ sơ vừa nộp.")),
        "AnswerSupplementOfSubmittedDossier": ("dossiers_supplement_create", {"code": "$response.body#/code"},
                                               None, _("Bổ sung hồ sơ vừa nộp khi được yêu cầu.")),
    },
    ("dossiers_list", "200"): {
        "GetDossier": ("dossiers_retrieve", {"code": "$response.body#/results/0/code"}, None,
                       _("Một hồ sơ của trang, với dòng thời gian.")),
    },
    ("dossiers_retrieve", "200"): {
        "AnswerSupplement": ("dossiers_supplement_create", {"code": "$response.body#/code"},
                             {"version": "$response.body#/version"},
                             _("Trả lời yêu cầu bổ sung của hồ sơ, với phiên bản vừa đọc.")),
    },
    ("events_retrieve", "200"): {
        "GetDossierOfEvent": ("dossiers_retrieve", {"code": "$response.body#/results/0/dossier"}, None,
                              _("Hồ sơ của một sự kiện.")),
    },
}


class LinkedSchemaGenerator(SchemaGenerator):
    """drf-spectacular's generator, with the responses' OpenAPI links (LINKS)."""

    def get_schema(self, request=None, public=False):
        schema = super().get_schema(request=request, public=public)
        operations = {op.get("operationId"): op for item in schema.get("paths", {}).values()
                      for op in item.values() if isinstance(op, dict)}
        for (source, status), links in LINKS.items():
            response = operations.get(source, {}).get("responses", {}).get(status)
            if response is None:
                continue
            response["links"] = {
                name: {"operationId": target, "description": str(description),
                       **({"parameters": parameters} if parameters else {}),
                       **({"requestBody": body} if body else {})}
                for name, (target, parameters, body, description) in links.items() if target in operations}
        return schema


class SchemaView(SpectacularJSONAPIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    generator_class = LinkedSchemaGenerator


class DocsView(SpectacularSwaggerSplitView):
    authentication_classes = []
    permission_classes = [AllowAny]
    template_name = "api/swagger_ui.html"
    url_name = "api:schema"
    title = _("Một Cửa – API mở: tài liệu")

    @staticmethod
    def _swagger_ui_resource(filename):
        return static(f"{SWAGGER_UI}/{filename}")

    @staticmethod
    def _swagger_ui_favicon():
        return static(f"{SWAGGER_UI}/favicon-32x32.png")

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if request.GET.get("script") is None:
            response.data["schema_url"] = self._get_schema_url(request)
        return response
