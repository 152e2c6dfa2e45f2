"""PostgreSQL only: a GiST index on the span during which a received dossier is pending, (received_at, closed],
so "pending at instant T" (report II.06a's pending and carried-over cells) reads only the dossiers pending at T
instead of an agency's whole history. Other databases answer the same query without it."""

from django.db import migrations

PENDING_SPAN = ("tstzrange(received_at, CASE WHEN COALESCE(resolved_at, finished_at) IS NULL THEN NULL "
                "ELSE GREATEST(received_at, COALESCE(resolved_at, finished_at)) END, '(]')")


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS dossier_pending_span ON dossiers_dossier USING gist "
                              f"(({PENDING_SPAN})) WHERE received_at IS NOT NULL")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS dossier_pending_span")


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0003_statistics_indexes")]
    operations = [migrations.RunPython(create, drop)]
