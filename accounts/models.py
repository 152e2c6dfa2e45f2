"""Users: one custom User for citizens and staff; staff act through memberships (user × agency × role)."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from procedures.models import Agency


class User(AbstractUser):
    """A person who signs in. Citizens have no membership; staff have one or more."""

    full_name = models.CharField(_("họ và tên"), max_length=255, blank=True)
    phone = models.CharField(_("số điện thoại"), max_length=20, blank=True, default="")
    email = models.EmailField(_("thư điện tử"), blank=True, default="")
    # A citizen who signs in through the national identity (accounts/oidc.py) is known by this number, never by
    # the e-mail address; empty for local accounts and staff.
    personal_id = models.CharField(_("số định danh cá nhân"), max_length=12, blank=True, default="")
    birth_date = models.DateField(_("ngày sinh"), null=True, blank=True)
    # Changed by "sign out everywhere": every session signed in before carries a hash that no longer matches.
    session_salt = models.CharField(max_length=32, blank=True, default="", editable=False)

    objects = UserManager()

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")
        constraints = [
            models.UniqueConstraint(fields=["phone"], condition=~Q(phone=""), name="user_phone_unique"),
            models.UniqueConstraint(fields=["email"], condition=~Q(email=""), name="user_email_unique"),
            models.UniqueConstraint(fields=["personal_id"], condition=~Q(personal_id=""),
                                    name="user_personal_id_unique"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return str(self)

    def _get_session_auth_hash(self, secret=None):
        """Django's session hash (an HMAC of the password), mixed with `session_salt` once the user has signed out
        everywhere (accounts.sessions.sign_out_everywhere): all older sessions then fail Django's check. Both the
        current hash and those of SECRET_KEY_FALLBACKS go through here."""
        base = super()._get_session_auth_hash(secret=secret)
        if not self.session_salt:
            return base
        return salted_hmac("onecua.accounts.User.session_salt", f"{base}:{self.session_salt}", secret=secret,
                           algorithm="sha256").hexdigest()


class Role(models.TextChoices):
    CLERK = "clerk", _("Cán bộ một cửa")
    OFFICER = "officer", _("Chuyên viên xử lý")
    LEADER = "leader", _("Lãnh đạo")
    INSPECTOR = "inspector", _("Thanh tra, thống kê")
    ADMIN = "admin", _("Quản trị")


class StaffMembership(models.Model):
    user = models.ForeignKey(User, verbose_name=_("người dùng"), on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(Agency, verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("đang hiệu lực"), default=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("phân công cán bộ")
        verbose_name_plural = _("phân công cán bộ")
        constraints = [
            models.UniqueConstraint(fields=["user", "agency", "role"], name="membership_user_agency_role_unique"),
        ]
        indexes = [models.Index(fields=["agency", "role"], name="membership_by_agency_role")]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.agency}"
