"""Users and memberships in the admin, and the administrators' group. Importing it registers the catalog's pages
too (accounts/catalog_admin.py); the scoping rules every admin page follows are in accounts/admin_scope.py.

Administrators of an agency (an active Role.ADMIN membership) are staff, not superusers: they hold the model
permissions of the group "Quản trị cơ quan" (created by accounts/migrations/0002, kept up to date by
`administrators_group`) and see agencies, users and memberships of their agency's subtree only — the subtree the
workspace gives them (accounts.scoping.staff_agency_ids). A superuser (made with `createsuperuser`, the site's
operator) manages every agency and user. Dossiers and their records are scoped for everybody, superusers
included, by dossiers.selectors.dossiers_visible_to (dossiers/admin.py).
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts import catalog_admin  # noqa: F401 (registers the catalog's admin pages: agencies, procedures, calendar)
from accounts.admin_scope import ScopedChoicesMixin, administered_agency_ids, users_of
from accounts.models import Role, StaffMembership, User
from procedures.models import Agency

ADMINISTRATORS_GROUP = "Quản trị cơ quan"
_ALL = ("add", "change", "delete", "view")
# What an agency administrator may do, by model (app label, model name). The admin narrows it further: rows are
# limited to the administrator's agencies, and records written by the services are read-only for everyone.
ADMINISTRATOR_PERMISSIONS = {
    ("procedures", "agency"): ("add", "change", "view"),
    ("procedures", "field"): _ALL,
    ("procedures", "procedure"): _ALL,
    ("procedures", "requireddocument"): _ALL,
    ("procedures", "procedurefee"): _ALL,
    ("procedures", "calendarexception"): _ALL,
    ("accounts", "user"): ("add", "change", "view"),
    ("accounts", "staffmembership"): _ALL,
    ("surveys", "question"): ("add", "change", "view"),
    ("surveys", "rating"): ("view",),
    ("surveys", "evaluationindices"): ("view",),
    ("surveys", "questionnaireresponse"): ("view",),
    ("surveys", "answer"): ("view",),
    ("surveys", "followup"): ("view",),
    ("dossiers", "dossier"): ("view",),
    ("dossiers", "dossierevent"): ("view",),
    ("dossiers", "supplementrequest"): ("view",),
    ("dossiers", "apology"): ("view",),
    ("dossiers", "apologyproposal"): ("view",),
    ("dossiers", "attachment"): ("view",),
    ("dossiers", "clockpause"): ("view",),
}


# ---------------------------------------------------------------- who administers what
def manages_user(manager, user) -> bool:
    """May `manager` change `user` (name, contact, password, memberships)? A superuser anyone; an administrator a
    non-superuser all of whose memberships lie in the agencies they manage."""
    scope = administered_agency_ids(manager)
    if scope is None:
        return True
    if user.is_superuser:
        return False
    agencies = set(StaffMembership.objects.filter(user=user).values_list("agency_id", flat=True))
    return bool(agencies) and agencies <= scope


# ---------------------------------------------------------------- the administrators' group
def administrators_group() -> Group:
    """The group "Quản trị cơ quan" with exactly ADMINISTRATOR_PERMISSIONS (created if missing)."""
    group, _created = Group.objects.get_or_create(name=ADMINISTRATORS_GROUP)
    wanted = Q(pk__in=[])
    for (app_label, model), actions in ADMINISTRATOR_PERMISSIONS.items():
        wanted |= Q(content_type__app_label=app_label, codename__in=[f"{action}_{model}" for action in actions])
    ids = set(Permission.objects.filter(wanted).values_list("pk", flat=True))
    if set(group.permissions.values_list("pk", flat=True)) != ids:
        group.permissions.set(ids)
    return group


def sync_administrator_access(user) -> None:
    """An active administrator membership makes the user staff in the group; the last one gone, both go (unless
    the user is a superuser or holds other groups or permissions). Call after any change to their memberships."""
    group = administrators_group()
    if StaffMembership.objects.filter(user=user, role=Role.ADMIN, is_active=True).exists():
        user.groups.add(group)
        if not user.is_staff:
            User.objects.filter(pk=user.pk).update(is_staff=True)
            user.is_staff = True
    elif user.groups.filter(pk=group.pk).exists():
        user.groups.remove(group)
        if user.is_staff and not (user.is_superuser or user.groups.exists() or user.user_permissions.exists()):
            User.objects.filter(pk=user.pk).update(is_staff=False)
            user.is_staff = False
    for cached in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cached, None)


# ---------------------------------------------------------------- users and memberships
class StaffMembershipInline(ScopedChoicesMixin, admin.TabularInline):
    model = StaffMembership
    extra = 0
    autocomplete_fields = ("agency",)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        scope = administered_agency_ids(request.user)
        return queryset if scope is None else queryset.filter(agency_id__in=scope)


class StaffUserCreationForm(AdminUserCreationForm):
    """The admin's "add user" form, with the new user's first membership. An agency administrator must give one
    (in an agency they manage): a user without one would be nobody's to manage."""

    agency = forms.ModelChoiceField(label=_("cơ quan"), queryset=Agency.objects.none(), required=False)
    role = forms.ChoiceField(label=_("vai trò"), choices=[("", "---------"), *Role.choices], required=False)
    agency_queryset = Agency.objects.all()
    membership_required = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = self.agency_queryset
        self.fields["agency"].required = self.fields["role"].required = self.membership_required

    def clean(self):
        data = super().clean()
        if bool(data.get("agency")) != bool(data.get("role")):
            raise forms.ValidationError(_("Chọn cả cơ quan và vai trò của người dùng, hoặc để trống cả hai."))
        return data


@admin.register(User)
class UserAdmin(ScopedChoicesMixin, BaseUserAdmin):
    list_display = ("username", "full_name", "email", "is_staff", "is_active")
    search_fields = ("username", "full_name", "email")
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Thông tin liên hệ"), {"fields": ("full_name", "phone")}),
        # Filled from the identity provider's claims at sign-in (accounts/oidc.py), never typed here.
        (_("Định danh điện tử"), {"fields": ("personal_id", "birth_date")}),
    )
    readonly_fields = ("personal_id", "birth_date")
    add_form = StaffUserCreationForm
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "full_name", "usable_password", "password1",
                                                  "password2")}),
        (_("Phân công cán bộ"), {"classes": ("wide",), "fields": ("agency", "role")}),
    )
    inlines = [StaffMembershipInline]
    # Set by the administrators' group (sync_administrator_access) or by a superuser only.
    privileged_fields = ("is_staff", "is_superuser", "groups", "user_permissions")

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        scope = administered_agency_ids(request.user)
        return queryset if scope is None else queryset.filter(users_of(scope))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or manages_user(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or manages_user(request.user, obj))

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if request.user.is_superuser or obj is None:
            return readonly
        return readonly + self.privileged_fields

    def get_inline_instances(self, request, obj=None):
        # The first membership is part of the add form; the others are edited on the user's page.
        return super().get_inline_instances(request, obj) if obj is not None else []

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            scope = administered_agency_ids(request.user)
            agencies = Agency.objects.all() if scope is None else Agency.objects.filter(pk__in=scope)
            form = type(form.__name__, (form,), {"agency_queryset": agencies, "membership_required": scope is not None})
        return form

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        data = form.cleaned_data
        if not change and data.get("agency") and data.get("role"):
            StaffMembership.objects.get_or_create(user=form.instance, agency=data["agency"], role=data["role"])
        sync_administrator_access(form.instance)


@admin.register(StaffMembership)
class StaffMembershipAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    list_display = ("user", "agency", "role", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("user__username", "user__full_name", "agency__name", "agency__identifier")
    autocomplete_fields = ("user", "agency")
    list_select_related = ("user", "agency")

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        scope = administered_agency_ids(request.user)
        return queryset if scope is None else queryset.filter(agency_id__in=scope)

    def _manages(self, request, obj) -> bool:
        return obj is None or request.user.is_superuser or not obj.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._manages(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._manages(request, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        previous = form.initial.get("user") if change and "user" in form.changed_data else None
        if previous:
            sync_administrator_access(User.objects.get(pk=previous))
        sync_administrator_access(obj.user)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        sync_administrator_access(obj.user)

    def delete_queryset(self, request, queryset):
        users = list(User.objects.filter(pk__in=queryset.values("user_id")))
        super().delete_queryset(request, queryset)
        for user in users:
            sync_administrator_access(user)
