from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts.validators import clean_phone


class LoginForm(AuthenticationForm):
    """Django's sign-in form; repeated failures are locked out by django-axes (accounts/lockout.py)."""

    error_messages = {
        "invalid_login": _("Tên đăng nhập hoặc mật khẩu không đúng. Lưu ý: mật khẩu phân biệt chữ hoa, chữ thường."),
        "inactive": _("Tài khoản này đã bị khóa."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Tên đăng nhập, thư điện tử hoặc số điện thoại")
        self.fields["password"].label = _("Mật khẩu")


class RegisterForm(forms.Form):
    """Checks only what the registrant typed: whether an address already has an account is never said here
    (accounts.services.register_citizen answers the same either way)."""

    full_name = forms.CharField(label=_("Họ và tên"), max_length=255)
    email = forms.EmailField(label=_("Thư điện tử"), required=False)
    phone = forms.CharField(label=_("Số điện thoại"), max_length=20, required=False)
    password1 = forms.CharField(label=_("Mật khẩu"), widget=forms.PasswordInput, min_length=8)
    password2 = forms.CharField(label=_("Nhập lại mật khẩu"), widget=forms.PasswordInput)

    def clean_phone(self):
        raw = self.cleaned_data["phone"]
        return clean_phone(raw) if raw else ""

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

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


class OTPCodeForm(forms.Form):
    """The six-digit code of an authenticator app (TOTP)."""

    code = forms.CharField(
        label=_("Mã xác thực (6 chữ số)"), max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}),
    )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError(_("Mã xác thực gồm 6 chữ số."))
        return code
