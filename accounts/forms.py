import hashlib

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .models import User
from .ratelimit import count_hit, hits
from .validators import clean_phone


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Tên đăng nhập hoặc mật khẩu không đúng. Lưu ý: mật khẩu phân biệt chữ hoa, chữ thường."),
        "inactive": _("Tài khoản này đã bị khóa."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Tên đăng nhập, thư điện tử hoặc số điện thoại")
        self.fields["password"].label = _("Mật khẩu")

    def _throttle_key(self) -> str:
        login = (self.data.get("username") or "").strip().lower()
        ip = self.request.META.get("REMOTE_ADDR", "") if self.request is not None else ""
        digest = hashlib.sha256(f"{login}|{ip}".encode()).hexdigest()  # no personal data in cache keys
        return f"login-failures:{digest}"

    def clean(self):
        limit = settings.ONECUA["LOGIN_FAILURES_ALLOWED"]
        key = self._throttle_key()
        if hits(key) >= limit:
            raise forms.ValidationError(
                _("Bạn đã đăng nhập sai %(n)s lần. Vì an toàn, hãy thử lại sau %(minutes)s phút.")
                % {"n": limit, "minutes": settings.ONECUA["LOGIN_LOCKOUT_MINUTES"]},
                code="throttled",
            )
        try:
            return super().clean()
        except forms.ValidationError:
            count_hit(key, window_seconds=settings.ONECUA["LOGIN_LOCKOUT_MINUTES"] * 60)
            raise


class RegisterForm(forms.Form):
    full_name = forms.CharField(label=_("Họ và tên"), max_length=255)
    email = forms.EmailField(label=_("Thư điện tử"), required=False)
    phone = forms.CharField(label=_("Số điện thoại"), max_length=20, required=False)
    password1 = forms.CharField(label=_("Mật khẩu"), widget=forms.PasswordInput, min_length=8)
    password2 = forms.CharField(label=_("Nhập lại mật khẩu"), widget=forms.PasswordInput)

    def clean_phone(self):
        raw = self.cleaned_data["phone"]
        if not raw:
            return ""
        phone = clean_phone(raw)
        if User.objects.filter(phone=phone).exists():
            raise forms.ValidationError(_("Số điện thoại này đã có tài khoản."))
        return phone

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if email and User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("Thư điện tử này đã có tài khoản."))
        return email

    def clean(self):
        data = super().clean()
        if not data.get("email") and not data.get("phone") and not self.errors.get("phone"):
            raise forms.ValidationError(_("Hãy nhập thư điện tử hoặc số điện thoại để đăng nhập."))
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", _("Hai mật khẩu không khớp."))
        if data.get("password1"):
            try:
                password_validation.validate_password(data["password1"])
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data
