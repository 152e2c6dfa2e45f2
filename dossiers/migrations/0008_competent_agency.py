"""The agency competent to decide, kept apart from the agency holding the dossier (forms 06/07, II.06a rows)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery


def fill(apps, schema_editor):
    Dossier = apps.get_model("dossiers", "Dossier")
    DossierEvent = apps.get_model("dossiers", "DossierEvent")
    # Open and closed dossiers: the agency holding them (the desk hands over to the competent authority) …
    Dossier.objects.update(competent_agency=F("handling_agency"))
    # … except decided ones, which went back to the desk: the agency whose leader approved or declined.
    decided = DossierEvent.objects.filter(dossier=OuterRef("pk"), action__in=["approve", "decline"],
                                          from_agency__isnull=False).order_by("-at", "-id")
    Dossier.objects.filter(resolved_at__isnull=False).update(
        competent_agency=Subquery(decided.values("from_agency")[:1]))
    Dossier.objects.filter(competent_agency__isnull=True).update(competent_agency=F("handling_agency"))


def check_constraints_now(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):

    dependencies = [
        ("dossiers", "0007_form_numbers"),
        ("procedures", "0002_calendar_exception"),
    ]

    operations = [
        migrations.AddField(
            model_name="dossier",
            name="competent_agency",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="competent_dossiers",
                to="procedures.agency", verbose_name="cơ quan có thẩm quyền giải quyết"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        # PostgreSQL: the updates above leave deferred foreign-key checks pending, and a table with pending
        # trigger events cannot be altered in the same transaction: run the checks now.
        migrations.RunPython(check_constraints_now, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="dossier",
            name="competent_agency",
            field=models.ForeignKey(
                help_text="Cơ quan có thẩm quyền quyết định: nơi tiếp nhận cho đến khi chuyển xử lý, cơ quan được "
                          "chuyển đến sau đó, và cơ quan có lãnh đạo quyết định khi đã có quyết định. Báo cáo II.06a "
                          "và chỉ số Quyết định 766 tính hồ sơ cho cơ quan này.",
                on_delete=django.db.models.deletion.PROTECT, related_name="competent_dossiers",
                to="procedures.agency", verbose_name="cơ quan có thẩm quyền giải quyết"),
        ),
    ]
