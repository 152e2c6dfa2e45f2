from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from oauth2_provider import views as oauth2_views

from procedures import views as procedure_views

admin.site.site_header = _("Một Cửa – Quản trị")
admin.site.site_title = _("Một Cửa")
admin.site.index_title = _("Quản trị hệ thống")

urlpatterns = [
    path("", procedure_views.home, name="home"),
    path("favicon.ico", lambda request: redirect(static("favicon.ico")), name="favicon"),  # pages link the .svg
    # /quyen-rieng-tu/, /tai-khoan/du-lieu-cua-toi/…, /can-bo/truy-cap-du-lieu/, /can-bo/yeu-cau-dinh-chinh/…
    path("", include("privacy.urls")),
    path("thu-tuc/", include("procedures.urls")),
    path("tai-khoan/", include("accounts.urls")),
    path("thanh-toan/", include("payments.urls")),  # /thanh-toan/ipn/<provider>/, return pages, the simulator
    path("xac-thuc/", include("printing.urls")),  # verification of signed electronic results
    path("can-bo/hop-thu/", include("notifications.urls")),
    path("can-bo/bao-cao/", include("reports.urls")),
    path("cong-khai/", include("reports.public_urls")),
    path("can-bo/danh-gia/", include("surveys.staff_urls")),
    path("danh-gia/", include("surveys.urls")),
    path("can-bo/thanh-toan/", include("payments.staff_urls")),
    path("can-bo/phan-anh/", include("feedback.staff_urls")),  # feedback and complaints (PAKN), staff
    path("can-bo/xin-y-kien/", include("consultations.urls")),  # consultation between agencies (lấy ý kiến)
    path("phan-anh/", include("feedback.urls")),  # the public form, confirmation, lookup
    path("can-bo/", include("workspace.urls")),
    path("", include("portal.urls")),
    # OAuth 2.0 for other systems (client credentials): the token endpoint and revocation only.
    path("o/token/", oauth2_views.TokenView.as_view(), name="oauth2_token"),
    path("o/revoke_token/", oauth2_views.RevokeTokenView.as_view(), name="oauth2_revoke"),
    path("api/v1/", include("api.urls")),  # the open REST API (schema at /api/v1/schema/, docs at /api/v1/docs/)
    path("can-bo/dong-bo-dvcqg/", include("integrations.urls")),  # the DVCQG sync page (staff)
    path("", include("ops.urls")),  # /healthz, /readyz, /metrics (docs/operations.md)
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler404 = "onecua.views.page_not_found"
handler500 = "onecua.views.server_error"
