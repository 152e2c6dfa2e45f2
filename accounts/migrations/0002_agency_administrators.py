"""Administrators of an agency are staff with the group "Quản trị cơ quan", no longer superusers.

* Creates the group with the model permissions an agency administrator needs (the catalog, agencies, the working
  calendar, users and memberships, the survey's criteria; read-only access to dossiers and ratings, which the
  admin scopes to the administrator's agencies). accounts/admin.py keeps the group's permissions up to date
  (administrators_group) when an administrator membership is saved.
* Every user with an active administrator membership becomes staff and joins the group.
* The demo administrator ("quantri", made a superuser by `load_demo` before this change) loses superuser status.
  Other superusers are left alone: `createsuperuser` leaves no trace that tells its accounts from those the demo
  loader made, and removing a real operator's superuser status could lock the site's owner out. List them with
  `User.objects.filter(is_superuser=True, memberships__role="admin")` and demote by hand those who are agency
  administrators.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Quản trị cơ quan"
ALL = ("add", "change", "delete", "view")
PERMISSIONS = {
    ("procedures", "agency"): ("add", "change", "view"),
    ("procedures", "field"): ALL,
    ("procedures", "procedure"): ALL,
    ("procedures", "requireddocument"): ALL,
    ("procedures", "procedurefee"): ALL,
    ("procedures", "calendarexception"): ALL,
    ("accounts", "user"): ("add", "change", "view"),
    ("accounts", "staffmembership"): ALL,
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
# The demo loader's administrator (dossiers/demo.py): username, full name, agency identifier.
DEMO_ADMINISTRATORS = [("quantri", "Quản trị hệ thống", "H61")]


def forwards(apps, schema_editor):
    alias = schema_editor.connection.alias
    # Permissions are otherwise created after the last migration (post_migrate): create them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=alias)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    User = apps.get_model("accounts", "User")
    StaffMembership = apps.get_model("accounts", "StaffMembership")

    group, _ = Group.objects.using(alias).get_or_create(name=GROUP)
    wanted = []
    for (app_label, model), actions in PERMISSIONS.items():
        wanted += Permission.objects.using(alias).filter(
            content_type__app_label=app_label, codename__in=[f"{action}_{model}" for action in actions])
    group.permissions.set(wanted)

    for username, full_name, agency in DEMO_ADMINISTRATORS:
        User.objects.using(alias).filter(
            username=username, full_name=full_name, is_superuser=True,
            memberships__role="admin", memberships__agency__identifier=agency,
        ).update(is_superuser=False, is_staff=True)

    administrators = set(StaffMembership.objects.using(alias).filter(role="admin", is_active=True)
                         .values_list("user_id", flat=True))
    User.objects.using(alias).filter(pk__in=administrators).update(is_staff=True)
    group.user_set.add(*administrators)


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.using(schema_editor.connection.alias).filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("procedures", "0002_calendar_exception"),
        ("surveys", "0002_seed_sipas_questions"),
        ("dossiers", "0009_apology_by_the_leader"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
