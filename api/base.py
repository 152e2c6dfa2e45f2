"""What every API view shares: authentication by client token, scopes, rate limit, JSON only, problems for
errors; the pagination classes; the OpenAPI description of the security scheme and of error responses."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.renderers import JSONRenderer

from api.models import Scope
from api.oauth import ClientAuthentication, HasScope
from api.problems import PROBLEM_JSON, JSONOnly, ProblemSerializer
from api.throttling import ClientRateThrottle


class ApiView(GenericAPIView):
    """A view of the API: `required_scopes` a token must carry; `public` views also answer without a token (a
    token, when sent, must still carry the scopes: the client then gets its own rate limit)."""

    authentication_classes = [ClientAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [ClientRateThrottle]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONOnly
    required_scopes: list[str] = []
    public = False


def _page_size_limits():
    return settings.ONECUA["API_PAGE_SIZE"], settings.ONECUA["API_MAX_PAGE_SIZE"]


class PageNumbers(PageNumberPagination):
    """The catalog: numbered pages (`page`, `page_size`)."""

    page_size_query_param = "page_size"
    invalid_page_message = _("Không có trang này.")

    def get_page_size(self, request):
        self.page_size, self.max_page_size = _page_size_limits()
        return super().get_page_size(request)


class DossierCursor(CursorPagination):
    """Dossier lists: a cursor (`cursor`, from `next`/`previous`) on the dossier id, newest first. The order never
    changes, so following `next` lists each dossier once even while new ones arrive (they come first)."""

    ordering = "-id"
    page_size_query_param = "page_size"
    invalid_cursor_message = _("Con trỏ phân trang không hợp lệ.")

    def get_page_size(self, request):
        self.page_size, self.max_page_size = _page_size_limits()
        return super().get_page_size(request)

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound as exc:
            raise exceptions.ValidationError({self.cursor_query_param: [self.invalid_cursor_message]}) from exc


class ClientAuthenticationScheme(OpenApiAuthenticationExtension):
    """The OpenAPI security scheme: OAuth 2.0 client credentials, the scopes each operation needs."""

    target_class = "api.oauth.ClientAuthentication"
    name = "oauth2"

    def get_security_requirement(self, auto_schema):
        view = auto_schema.view
        requirement = {self.name: list(getattr(view, "required_scopes", []))}
        return [requirement, {}] if getattr(view, "public", False) else requirement

    def get_security_definition(self, auto_schema):
        return {"type": "oauth2", "description": str(_(
            "Client credentials: POST /o/token/ với grant_type=client_credentials, mã ứng dụng và khóa bí mật "
            "(HTTP Basic), rồi gửi Authorization: Bearer <mã truy cập>.")),
            "flows": {"clientCredentials": {"tokenUrl": "/o/token/", "scopes": {
                scope.value: str(scope.label) for scope in Scope}}}}


_STATUS_TEXT = {
    400: _("Dữ liệu hoặc tham số không hợp lệ."),
    401: _("Thiếu mã truy cập, hoặc mã không hợp lệ hay đã hết hạn."),
    403: _("Mã truy cập thiếu phạm vi, hoặc hệ thống không được làm việc với cơ quan này."),
    404: _("Không có, hoặc hệ thống không được xem."),
    409: _("Trạng thái hồ sơ không cho phép, hoặc hồ sơ vừa được cập nhật."),
    415: _("Kiểu nội dung (Content-Type) không được hỗ trợ."),
    429: _("Quá số yêu cầu cho phép mỗi phút."),
}


# Any operation may answer these: a malformed request (the input guard included), a bad or blocked client token,
# a missing scope, the rate limit.
ALWAYS = (400, 401, 403, 429)


def problems(*statuses: int) -> dict:
    """`responses` entries of extend_schema for the errors every operation may answer and these, as problem+json."""
    return {(status, PROBLEM_JSON): OpenApiResponse(ProblemSerializer, description=str(_STATUS_TEXT[status]))
            for status in sorted({*ALWAYS, *statuses})}
