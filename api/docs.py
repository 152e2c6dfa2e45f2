"""The OpenAPI 3 schema (/api/v1/schema/) and its documentation page (/api/v1/docs/).

The page is drf-spectacular's Swagger UI in its "split" form (the start-up script is a file of its own, not inline)
with Swagger UI served from this site (api/static/api/swagger-ui/, vendored), so it works without internet access
and under the site's Content Security Policy, which allows scripts and styles from this site only."""

from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

SWAGGER_UI = "api/swagger-ui"


class SchemaView(SpectacularJSONAPIView):
    authentication_classes = []
    permission_classes = [AllowAny]


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
