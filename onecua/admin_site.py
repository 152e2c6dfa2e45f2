"""The project's admin site: Django's, with three answers to malformed input that Django 5.2 gives as a 500.

Every ModelAdmin registered here (and every inline it shows) gets `SafeInputAdminMixin`, so the apps' admin
modules need not know about it:

* an action posted with a selection that is not a primary key (``_selected_action=abc``, a number beyond 64
  bits) is refused with a message, as an empty selection is;
* a date hierarchy link with an absurd year or month (``?submitted_at__year=99999999999999999999``) is treated as
  the wrong filter it is (Django ticket #37357, fixed upstream after 5.2);
* an autocomplete box re-shown after a submission with such a value shows no choice instead of failing;
* a list edited in place (list_editable) posted with a key beyond 64 bits is treated as a mistyped one;
* a select or multiple select (a foreign key, a many-to-many such as a user's groups) posted with a key beyond
  64 bits is an invalid choice, as a mistyped one is, instead of a query the database cannot run.
"""

import functools

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# What a primary key may hold on every supported database (64-bit integers).
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1
_BAD_VALUE = (ValueError, TypeError, ValidationError, OverflowError)


def valid_key(model, value) -> bool:
    """Whether `value` can name a row of `model` by primary key (without asking the database)."""
    try:
        key = model._meta.pk.to_python(value)
    except _BAD_VALUE:
        return False
    return not isinstance(key, int) or _INT_MIN <= key <= _INT_MAX


class SafeModelChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and self.to_field_name is None and not valid_key(self.queryset.model, value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class SafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for key in value if isinstance(value, (list, tuple)) else ():
            if self.to_field_name is None and not valid_key(self.queryset.model, key):
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                      params={"value": key})
        return super()._check_values(value)


class _SafeAutocomplete:
    def optgroups(self, name, value, attr=None):
        try:
            return super().optgroups(name, value, attr)
        except _BAD_VALUE:  # a value that is no key of the related table: nothing to show as chosen
            return super().optgroups(name, [], attr)


class SafeAutocompleteSelect(_SafeAutocomplete, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(_SafeAutocomplete, AutocompleteSelectMultiple):
    pass


@functools.cache
def _safe_changelist(base):
    class SafeChangeList(base):
        def get_filters(self, request, *args, **kwargs):
            try:
                return super().get_filters(request, *args, **kwargs)
            except (ValueError, OverflowError) as exc:  # a date hierarchy year or month no date can have
                raise IncorrectLookupParameters(exc) from exc

    return SafeChangeList


class SafeInputAdminMixin:
    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", SafeModelChoiceField)
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", SafeModelMultipleChoiceField)
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_inlines(self, request, obj):
        return [safe_admin_class(inline) for inline in super().get_inlines(request, obj)]

    def get_changelist(self, request, **kwargs):
        return _safe_changelist(super().get_changelist(request, **kwargs))

    def _get_list_editable_queryset(self, request, prefix):
        # Django (5.2) checks the posted keys' type but not their size: as it does for a mistyped key, edit
        # from the whole list instead of filtering on a key no database column holds.
        if not all(valid_key(self.model, pk) for pk in self._get_edited_object_pks(request, prefix)):
            return self.get_queryset(request)
        return super()._get_list_editable_queryset(request, prefix)

    def response_action(self, request, queryset):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if not all(valid_key(self.model, value) for value in selected):
            self.message_user(request, _("Lựa chọn không hợp lệ: không có mục nào được thay đổi."), messages.WARNING)
            return None  # the change list is shown again, as after an empty selection
        return super().response_action(request, queryset)


@functools.cache
def safe_admin_class(admin_class):
    """`admin_class` with SafeInputAdminMixin in front (the same class if it has it already)."""
    if issubclass(admin_class, SafeInputAdminMixin):
        return admin_class
    return type(admin_class.__name__, (SafeInputAdminMixin, admin_class),
                {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__})


class OneCuaAdminSite(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        super().register(model_or_iterable, safe_admin_class(admin_class or admin.ModelAdmin), **options)


class OneCuaAdminConfig(AdminConfig):
    """In INSTALLED_APPS instead of "django.contrib.admin": `admin.site` is a OneCuaAdminSite."""

    default_site = "onecua.admin_site.OneCuaAdminSite"
