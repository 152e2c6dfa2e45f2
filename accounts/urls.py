from django.urls import path

from accounts import oidc_views, views
from accounts.forms import LoginForm

app_name = "accounts"
urlpatterns = [
    path(
        "dang-nhap/",
        views.SignInView.as_view(template_name="accounts/login.html", authentication_form=LoginForm),
        name="login",
    ),
    # Signs out here, and at the OpenID Connect provider when the session signed in through one.
    path("dang-xuat/", oidc_views.sign_out, name="logout"),
    path("dang-xuat-moi-noi/", oidc_views.sign_out_everywhere, name="sign_out_everywhere"),
    path("dang-ky/", views.register, name="register"),
    path("ma-xac-thuc/", views.otp_verify, name="otp_verify"),
    path("xac-thuc-hai-buoc/", views.otp_setup, name="otp_setup"),
    # OpenID Connect (accounts/oidc.py): 404 unless settings.OIDC configures the provider.
    path("dinh-danh/dang-nhap/", oidc_views.start, name="oidc_login"),
    path("dinh-danh/ve/", oidc_views.callback, name="oidc_callback"),
    path("dinh-danh/can-bo/dang-nhap/", oidc_views.start_staff, name="oidc_staff_login"),
    path("dinh-danh/can-bo/ve/", oidc_views.callback_staff, name="oidc_staff_callback"),
]
