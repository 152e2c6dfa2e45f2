"""The agencies' signing certificates in the admin, scoped like the catalog's pages (accounts/admin_scope.py): an
agency administrator sees and installs the certificates of the agencies they administer; a superuser all. The
PKCS#12 file is uploaded through the form and never offered for download."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.admin_scope import ScopedChoicesMixin, administered_agency_ids
from printing.forms import SigningCertificateForm
from printing.models import SigningCertificate

READ_FROM_CERTIFICATE = ("subject", "issuer", "serial", "fingerprint", "not_before", "not_after", "installed_at")


@admin.register(SigningCertificate)
class SigningCertificateAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    form = SigningCertificateForm
    list_display = ("agency", "subject", "not_after", "validity", "is_active")
    list_filter = ("is_active",)
    search_fields = ("subject", "serial", "agency__name", "agency__identifier")
    list_select_related = ("agency",)
    readonly_fields = READ_FROM_CERTIFICATE

    def get_fields(self, request, obj=None):
        fields = ["agency", "upload", "password_source", "is_active"]
        return fields if obj is None else [*fields, *READ_FROM_CERTIFICATE]

    @admin.display(description=_("Tình trạng"))
    def validity(self, obj):
        now = timezone.now()
        if obj.not_after < now:
            return _("Đã hết hạn")
        if obj.not_before > now:
            return _("Chưa có hiệu lực")
        return _("Còn hiệu lực") if obj.is_active else _("Không dùng")

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        scope = administered_agency_ids(request.user)
        return queryset if scope is None else queryset.filter(agency_id__in=scope)

    # An agency administrator manages their agencies' certificates (the group "Quản trị cơ quan" is given
    # accounts.admin.ADMINISTRATOR_PERMISSIONS, which lists the catalog's and the users' models only); a superuser
    # every agency's. Rows outside the scope are not in the queryset, so they answer "not found".
    def _manages(self, request, obj=None) -> bool:
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        scope = administered_agency_ids(user)
        if scope is None:
            return True
        return bool(scope) and (obj is None or obj.agency_id in scope)

    def has_module_permission(self, request):
        return self._manages(request)

    def has_view_permission(self, request, obj=None):
        return self._manages(request, obj)

    def has_add_permission(self, request):
        return self._manages(request)

    def has_change_permission(self, request, obj=None):
        return self._manages(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._manages(request, obj)
