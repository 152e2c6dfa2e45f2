"""The systems that call the API: each an OAuth 2.0 application (client credentials) bound to agencies."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import AbstractApplication
from oauth2_provider.settings import oauth2_settings

from procedures.models import Agency


class Scope(models.TextChoices):
    """What a token may do (OAuth 2.0 scopes; OAUTH2_PROVIDER["SCOPES"] in settings lists the same)."""

    CATALOG_READ = "catalog:read", _("Đọc danh mục thủ tục và cơ quan")
    DOSSIERS_READ = "dossiers:read", _("Đọc hồ sơ (kể cả dữ liệu cá nhân) và nhật ký xử lý")
    DOSSIERS_WRITE = "dossiers:write", _("Nộp hồ sơ trực tuyến và bổ sung hồ sơ")


class ApiClient(models.Model):
    """Another system (a portal, a sector's software, the province's data warehouse) that calls the API with the
    client credentials of its OAuth 2.0 application. It sees and writes only the dossiers of its agencies: those
    received at, handled by or handed through one of them (the rule of staff scoping)."""

    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL, verbose_name=_("ứng dụng OAuth 2.0"), on_delete=models.CASCADE,
        related_name="api_client",
        help_text=_("Ứng dụng loại “Confidential”, cấp quyền “Client credentials”; mã và khóa bí mật của ứng dụng "
                    "là thông tin đăng nhập của hệ thống."))
    agencies = models.ManyToManyField(
        Agency, verbose_name=_("cơ quan được truy cập"), related_name="+", blank=True,
        help_text=_("Hệ thống chỉ xem và ghi hồ sơ tiếp nhận tại, đang xử lý tại hoặc đã chuyển qua các cơ quan này."))
    include_subtree = models.BooleanField(
        _("gồm cả đơn vị cấp dưới"), default=False,
        help_text=_("Đánh dấu để hệ thống thấy cả hồ sơ của mọi đơn vị trực thuộc các cơ quan trên."))
    scopes = models.CharField(
        _("phạm vi được cấp"), max_length=200, default=Scope.CATALOG_READ,
        help_text=_("Các phạm vi (scope) hệ thống được xin trong mã truy cập, cách nhau bởi dấu cách."))
    requests_per_minute = models.PositiveIntegerField(
        _("số yêu cầu mỗi phút"), null=True, blank=True,
        help_text=_("Để trống: theo cấu hình chung API_REQUESTS_PER_MINUTE."))
    is_active = models.BooleanField(
        _("đang hoạt động"), default=True,
        help_text=_("Bỏ đánh dấu để chặn ngay: không cấp mã truy cập mới và từ chối mã đã cấp."))
    contact = models.CharField(_("đầu mối liên hệ"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("hệ thống kết nối API")
        verbose_name_plural = _("hệ thống kết nối API")
        ordering = ["application__name", "id"]

    def __str__(self) -> str:
        return self.application.name or self.application.client_id

    # A DRF principal: request.user is the client on the API's authenticated views.
    is_authenticated = True
    is_anonymous = False

    @property
    def scope_list(self) -> list[str]:
        return [scope for scope in self.scopes.split() if scope in Scope.values]

    def clean(self):
        super().clean()
        unknown = [scope for scope in self.scopes.split() if scope not in Scope.values]
        if unknown:
            raise ValidationError({"scopes": _("Phạm vi không tồn tại: %(scopes)s.") % {"scopes": " ".join(unknown)}})
        application = getattr(self, "application", None)
        if application is not None and (
            application.authorization_grant_type != AbstractApplication.GRANT_CLIENT_CREDENTIALS
            or application.client_type != AbstractApplication.CLIENT_CONFIDENTIAL
        ):
            raise ValidationError({"application": _(
                "Ứng dụng phải là loại “Confidential” với cách cấp quyền “Client credentials”.")})
