"""Citizen accounts: registration; the second factor (TOTP) for staff. Sign-in is Django's view with
accounts.backends, behind django-axes' lockout (accounts/lockout.py)."""

from base64 import b32encode
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import second_factor, services
from accounts.forms import OTPCodeForm, RegisterForm
from accounts.oidc_views import sign_in_choices
from accounts.ratelimit import client_ip, count_hit
from accounts.selectors import is_staff_member, landing_url


def _registration_limited(request) -> bool:
    limit = int(settings.ONECUA.get("REGISTRATIONS_PER_HOUR", 20))
    key = f"register:{client_ip(request) or 'unknown'}"
    return limit > 0 and count_hit(key, window_seconds=3600) > limit


def register(request):
    """The answer to a valid form is the same whether or not its e-mail address or phone already has an account
    (accounts.services.register_citizen): back to the sign-in page with one message."""
    form = RegisterForm(request.POST or None)
    if request.method == "POST":
        if _registration_limited(request):
            form.add_error(None, _("Có quá nhiều lượt đăng ký từ địa chỉ mạng này. Xin thử lại sau một giờ."))
            return render(request, "accounts/register.html", {"form": form}, status=429)
        if form.is_valid():
            data = form.cleaned_data
            services.register_citizen(full_name=data["full_name"], email=data["email"], phone=data["phone"],
                                      password=data["password1"])
            messages.success(request, _(
                "Đã nhận đăng ký. Nếu thư điện tử hoặc số điện thoại này chưa có tài khoản, tài khoản đã được tạo: "
                "hãy đăng nhập bằng nó và mật khẩu vừa đặt. Nếu đã có tài khoản, chúng tôi đã gửi hướng dẫn tới "
                "chính địa chỉ đó."))
            return redirect("accounts:login")
    return render(request, "accounts/register.html", {"form": form}, status=400 if form.errors else 200)


class SignInView(LoginView):
    """Django's sign-in view; only the default destination differs (landing_url). A safe `next` still wins. The
    OpenID Connect providers that are configured (accounts/oidc.py) are offered above the local accounts' form."""

    def get_default_redirect_url(self):
        return landing_url(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["oidc_choices"] = sign_in_choices(context.get("next") or "")
        return context


# ---------------------------------------------------------------- second factor (TOTP)
def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


def _confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def _verified(request, device: TOTPDevice) -> None:
    otp_login(request, device)
    request.session.pop(second_factor.PENDING_SESSION_KEY, None)
    request.session.cycle_key()  # a new session key once fully signed in


@never_cache
@login_required
def otp_verify(request):
    """The code asked after the password, for an account with a confirmed authenticator."""
    next_url = _next_url(request, landing_url(request.user))
    device = _confirmed_device(request.user)
    if device is None or not request.session.get(second_factor.PENDING_SESSION_KEY):
        request.session.pop(second_factor.PENDING_SESSION_KEY, None)
        return redirect(next_url)
    form = OTPCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not device.verify_is_allowed()[0]:
            form.add_error("code", _("Đã nhập sai nhiều lần. Xin đợi ít giây rồi thử lại."))
        elif verify_token(request.user, device.persistent_id, form.cleaned_data["code"]) is None:
            form.add_error("code", _("Mã xác thực không đúng hoặc đã hết hạn."))
        else:
            _verified(request, device)
            return redirect(next_url)
    return render(request, "accounts/otp_verify.html", {"form": form, "next": next_url},
                  status=400 if form.errors else 200)


def _qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=5, border=2)


@never_cache
@login_required
def otp_setup(request):
    """Turn on the second factor: scan the QR code (otpauth://) with an authenticator app, confirm with a code."""
    user = request.user
    if not (is_staff_member(user=user) or user.is_staff or user.is_superuser):
        raise Http404
    next_url = _next_url(request, reverse("accounts:otp_setup"))
    confirmed = _confirmed_device(user)
    if confirmed is not None:
        if not user.is_verified():  # enrolled in another session: this one owes the code
            request.session[second_factor.PENDING_SESSION_KEY] = True
            return redirect(f"{reverse('accounts:otp_verify')}?{urlencode({'next': next_url})}")
        return render(request, "accounts/otp_setup.html", {"enrolled": True, "device": confirmed})
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("Ứng dụng xác thực"), confirmed=False)
    form = OTPCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not device.verify_is_allowed()[0]:
            form.add_error("code", _("Đã nhập sai nhiều lần. Xin đợi ít giây rồi thử lại."))
        elif device.verify_token(form.cleaned_data["code"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            _verified(request, device)
            messages.success(request, _("Đã bật xác thực hai bước. Từ nay mỗi lần đăng nhập sẽ hỏi mã xác thực."))
            return redirect(next_url)
        else:
            form.add_error("code", _("Mã xác thực không đúng hoặc đã hết hạn. Kiểm tra giờ trên điện thoại rồi thử "
                                     "lại."))
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return render(request, "accounts/otp_setup.html", {
        "enrolled": False, "form": form, "next": next_url, "qr": _qr_data_uri(device.config_url),
        "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
    }, status=400 if form.errors else 200)
