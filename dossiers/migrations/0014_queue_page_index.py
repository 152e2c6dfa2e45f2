"""The staff queues (dossiers.selectors.staff_queues, queue_page): each tab filters on the user's desks or agencies
and a state, and lists by due time, submission time and id. These two indexes hand a tab's first 25 rows over in
order without reading and sorting every dossier waiting (50,000 at a busy desk), and count each tab from the index
alone on PostgreSQL (INCLUDE: the other columns the tabs and the scoping selector test). Created by SQL so that the
models' state stays as it is; SQLite gets them without INCLUDE."""

from django.db import migrations

INDEXES = {
    "dossier_desk_queue_page": ("receiving_agency_id, state, due_at, submitted_at, id",
                                "channel, desk_supplement_count, handling_agency_id"),
    "dossier_handling_queue_page": ("handling_agency_id, state, due_at, submitted_at, id",
                                    "receiving_agency_id, assigned_officer_id, received_at, proposed_outcome"),
}


def create(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for name, (columns, included) in INDEXES.items():
        include = f" INCLUDE ({included})" if postgresql else ""
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON dossiers_dossier ({columns}){include}")


def drop(apps, schema_editor):
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0013_api_list_index")]
    operations = [migrations.RunPython(create, drop)]
