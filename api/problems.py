"""Every error of the API is an RFC 9457 problem: `application/problem+json` with `type`, `title`, `status`,
`detail` (Vietnamese, or the request's language) and `instance` (the path asked for).

* DRF's errors and the domain errors of core.errors (with their `.status`) go through `exception_handler`
  (REST_FRAMEWORK["EXCEPTION_HANDLER"]); a validation error lists each refused field in `errors`.
* What answers before or outside the API's views (an address no pattern matches, the input guard's 400, a
  server error page) is turned into a problem by `ProblemDetailsMiddleware`, for paths under /api/ only.

Each `type` is a page of the API (`/api/v1/problems/<slug>/`) saying what the problem means.
"""

import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.errors import ActionForbidden, ConcurrentChange, DossierError, InvalidInput, TransitionRefused

logger = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True)
class ProblemType:
    slug: str
    title: str
    description: str


def _type(slug: str, title: str, description: str) -> ProblemType:
    return ProblemType(slug, title, description)


PROBLEM_TYPES = {p.slug: p for p in (
    _type("bad-request", gettext_lazy("Yêu cầu không hợp lệ"),
          gettext_lazy("Yêu cầu sai cú pháp, có ký tự không hợp lệ hoặc con trỏ phân trang không đúng.")),
    _type("validation-error", gettext_lazy("Dữ liệu không hợp lệ"),
          gettext_lazy("Một hoặc nhiều trường bị từ chối; `errors` liệt kê từng trường và lý do. Không có gì được "
                       "ghi lại.")),
    _type("invalid-input", gettext_lazy("Dữ liệu không hợp lệ"),
          gettext_lazy("Nghiệp vụ từ chối dữ liệu gửi lên (ví dụ một tệp đính kèm không đạt kiểm tra). Không có "
                       "gì thay đổi.")),
    _type("not-authenticated", gettext_lazy("Chưa xác thực"),
          gettext_lazy("Thiếu mã truy cập, hoặc mã truy cập không hợp lệ, đã hết hạn hay đã bị thu hồi. Lấy mã "
                       "mới tại /o/token/ (client credentials).")),
    _type("insufficient-scope", gettext_lazy("Mã truy cập thiếu phạm vi"),
          gettext_lazy("Mã truy cập không có phạm vi (scope) mà thao tác này cần.")),
    _type("forbidden", gettext_lazy("Không có quyền"),
          gettext_lazy("Hệ thống không có quyền thực hiện thao tác này.")),
    _type("action-forbidden", gettext_lazy("Không có quyền thực hiện thao tác"),
          gettext_lazy("Nghiệp vụ từ chối người thực hiện. Không có gì thay đổi.")),
    _type("not-found", gettext_lazy("Không tìm thấy"),
          gettext_lazy("Không có tài nguyên này, hoặc hệ thống không được xem nó (hồ sơ của cơ quan khác).")),
    _type("method-not-allowed", gettext_lazy("Phương thức không được hỗ trợ"),
          gettext_lazy("Địa chỉ này không nhận phương thức HTTP đã dùng.")),
    _type("not-acceptable", gettext_lazy("Không trả được định dạng yêu cầu"),
          gettext_lazy("API chỉ trả JSON.")),
    _type("transition-refused", gettext_lazy("Trạng thái hồ sơ không cho phép"),
          gettext_lazy("Trạng thái hiện tại của hồ sơ không cho phép thao tác này. Không có gì thay đổi.")),
    _type("concurrent-change", gettext_lazy("Hồ sơ vừa được cập nhật"),
          gettext_lazy("Hồ sơ vừa được người khác cập nhật; hãy đọc lại hồ sơ rồi gửi lại. Không có gì thay đổi.")),
    _type("payload-too-large", gettext_lazy("Nội dung quá lớn"),
          gettext_lazy("Nội dung gửi lên vượt giới hạn cho phép.")),
    _type("unsupported-media-type", gettext_lazy("Kiểu nội dung không được hỗ trợ"),
          gettext_lazy("Kiểu nội dung (Content-Type) của yêu cầu không được địa chỉ này nhận.")),
    _type("too-many-requests", gettext_lazy("Quá nhiều yêu cầu"),
          gettext_lazy("Hệ thống đã vượt số yêu cầu cho phép mỗi phút; chờ theo Retry-After rồi gửi lại.")),
    _type("server-error", gettext_lazy("Lỗi máy chủ"),
          gettext_lazy("Máy chủ gặp lỗi khi xử lý yêu cầu. Lỗi đã được ghi lại; hãy thử lại sau.")),
    _type("service-unavailable", gettext_lazy("Tạm thời không phục vụ được"),
          gettext_lazy("Máy chủ tạm thời không xử lý được yêu cầu; hãy thử lại sau.")),
)}
STATUS_TYPES = {400: "bad-request", 401: "not-authenticated", 403: "forbidden", 404: "not-found",
                405: "method-not-allowed", 406: "not-acceptable", 409: "transition-refused",
                413: "payload-too-large", 415: "unsupported-media-type", 429: "too-many-requests",
                500: "server-error", 503: "service-unavailable"}
DOMAIN_TYPES = ((InvalidInput, "invalid-input"), (ActionForbidden, "action-forbidden"),
                (ConcurrentChange, "concurrent-change"), (TransitionRefused, "transition-refused"))


def type_uri(slug: str) -> str:
    base = settings.ONECUA["PUBLIC_BASE_URL"].rstrip("/")
    return base + reverse("api:problem-type", args=[slug])


def problem_body(*, status: int, slug: str | None = None, detail: str = "", instance: str = "", **extra) -> dict:
    slug = slug or STATUS_TYPES.get(status) or ("bad-request" if status < 500 else "server-error")
    kind = PROBLEM_TYPES[slug]
    body = {"type": type_uri(slug), "title": str(kind.title), "status": status,
            "detail": detail or str(kind.description), "instance": instance}
    body.update(extra)
    return body


def _validation_errors(detail, prefix: str = "") -> list[dict]:
    """DRF's nested error detail as a flat list of {"field", "detail"} ("" for errors of the whole request)."""
    if isinstance(detail, dict):
        errors = []
        for key, value in detail.items():
            name = "" if key in ("non_field_errors", "__all__") else str(key)
            errors += _validation_errors(value, f"{prefix}.{name}" if prefix and name else (name or prefix))
        return errors
    if isinstance(detail, list):
        errors = []
        for index, value in enumerate(detail):
            nested = isinstance(value, (dict, list))
            errors += _validation_errors(value, f"{prefix}[{index}]" if nested else prefix)
        return errors
    return [{"field": prefix, "detail": str(detail)}]


def _detail_of(exc: exceptions.APIException, request) -> tuple[str, str, dict]:
    """(type slug, detail, extension members) for a DRF exception."""
    if isinstance(exc, exceptions.ValidationError):
        errors = _validation_errors(exc.detail)
        shown = "; ".join(f"{e['field']}: {e['detail']}" if e["field"] else e["detail"] for e in errors[:3])
        more = "; …" if len(errors) > 3 else ""
        return "validation-error", _("Dữ liệu gửi lên chưa hợp lệ: %(errors)s") % {"errors": shown + more}, {
            "errors": errors}
    if isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 1)
        return "too-many-requests", _("Hệ thống đã gửi quá nhiều yêu cầu. Vui lòng thử lại sau %(n)s giây.") % {
            "n": wait}, {}
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        return "not-authenticated", _("Cần mã truy cập hợp lệ (Authorization: Bearer …) lấy tại /o/token/."), {}
    if isinstance(exc, exceptions.PermissionDenied):
        slug = getattr(exc, "problem_type", "forbidden")
        return slug, str(exc.detail), {}
    if isinstance(exc, exceptions.MethodNotAllowed):
        return "method-not-allowed", _("Địa chỉ này không nhận phương thức %(method)s.") % {
            "method": getattr(request, "method", "")}, {}
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return "unsupported-media-type", _("Kiểu nội dung “%(type)s” không được hỗ trợ ở địa chỉ này.") % {
            "type": getattr(request, "content_type", "")[:100]}, {}
    if isinstance(exc, exceptions.NotFound):
        return "not-found", str(exc.detail), {}
    if isinstance(exc, exceptions.ParseError):
        return "bad-request", _("Không đọc được nội dung gửi lên: %(reason)s") % {"reason": exc.detail}, {}
    return STATUS_TYPES.get(exc.status_code, "bad-request"), str(exc.detail), {}


def exception_handler(exc, context):
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: every error as a problem (never an HTML page, never a bare 500)."""
    request = context.get("request")
    instance = request.path if request is not None else ""
    headers = {}
    if isinstance(exc, DossierError):
        slug = next((slug for cls, slug in DOMAIN_TYPES if isinstance(exc, cls)), STATUS_TYPES.get(exc.status))
        body = problem_body(status=exc.status, slug=slug, detail=exc.message, instance=instance)
        status = exc.status
    else:
        if isinstance(exc, Http404):
            exc = exceptions.NotFound(_("Không tìm thấy."))
        elif isinstance(exc, DjangoPermissionDenied):
            exc = exceptions.PermissionDenied()
        if isinstance(exc, exceptions.APIException):
            if getattr(exc, "auth_header", None):
                headers["WWW-Authenticate"] = exc.auth_header
            if getattr(exc, "wait", None):
                headers["Retry-After"] = str(int(exc.wait))
            slug, detail, extra = _detail_of(exc, request)
            status = exc.status_code
        else:
            logger.exception("API: unhandled %s on %s", type(exc).__name__, instance)
            slug, detail, extra, status = "server-error", "", {}, 500
        body = problem_body(status=status, slug=slug, detail=detail, instance=instance, **extra)
    set_rollback()
    return Response(body, status=status, headers=headers, content_type=PROBLEM_JSON)


def _path_prefix() -> str:
    return reverse("api:index").rstrip("/").rsplit("/", 1)[0] + "/"  # "/api/"


class ProblemDetailsMiddleware:
    """Right after SecurityMiddleware (settings), outside every other middleware: an error answered to a path under /api/ by something other than the API's
    views — no matching address, the input guard (a NUL byte in the query), Django's own 400 or 500 pages —
    becomes a problem too, keeping the headers that matter (Allow, Retry-After, WWW-Authenticate)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (response.status_code >= 400 and request.path_info.startswith(_path_prefix())
                and not response.get("Content-Type", "").startswith(PROBLEM_JSON)):
            return problem_http_response(request, status=response.status_code, original=response)
        return response


def problem_http_response(request, *, status: int, original=None, detail: str = "") -> HttpResponse:
    if not detail and status == 404:
        detail = _("API không có địa chỉ này. Danh sách địa chỉ: lược đồ OpenAPI tại /api/v1/schema/.")
    elif not detail and status == 400:
        detail = _("Địa chỉ, tham số hoặc nội dung gửi lên không hợp lệ (ví dụ có ký tự điều khiển).")
    body = problem_body(status=status, detail=detail, instance=request.path)
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM_JSON)
    for header in ("Allow", "Retry-After", "WWW-Authenticate", "Content-Security-Policy", "X-Frame-Options"):
        if original is not None and original.has_header(header):
            response[header] = original[header]
    return response


class JSONOnly(BaseContentNegotiation):
    """The API answers JSON whatever the Accept header says (no 406 for a client that asks for HTML)."""

    def select_parser(self, request, parsers):
        from rest_framework.negotiation import DefaultContentNegotiation

        return DefaultContentNegotiation().select_parser(request, parsers)

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ProblemSerializer(serializers.Serializer):
    """The body of every error (RFC 9457), for the OpenAPI schema."""

    type = serializers.URLField(help_text=gettext_lazy("Loại lỗi: trang /api/v1/problems/<loại>/ giải thích."))
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(help_text=gettext_lazy("Đường dẫn của yêu cầu gặp lỗi."))
    errors = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()), required=False,
        help_text=gettext_lazy("Lỗi dữ liệu: mỗi phần tử có `field` (trống: cả yêu cầu) và `detail`."))
