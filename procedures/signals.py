"""Signals the catalog sends so that higher apps (dossiers) can react without being imported here."""

from django.dispatch import Signal

# Sent after commit when the working calendar or a procedure's deadline changed.
# kwargs: procedure_id (int | None: None means every procedure), reason (str).
deadline_rules_changed = Signal()


def announce_deadline_rules_changed(*, procedure_id: int | None = None, reason: str = "") -> None:
    """Send `deadline_rules_changed` once the current transaction commits (immediately outside one)."""
    from django.db import transaction

    transaction.on_commit(
        lambda: deadline_rules_changed.send(sender=None, procedure_id=procedure_id, reason=reason), robust=False
    )


# ---------------------------------------------------------------- the catalog's version (cached catalog pages)
# The public catalog pages keep their fragments in the cache with this version (procedures.views); any change to
# the catalog — a procedure, its documents, fees or desks, a field, an agency — sets a new one, so the next request
# renders afresh (the old fragments expire unused, after CATALOG_FRAGMENT_SECONDS at most). The version lives in
# the shared cache, so every process and node sees the same one. Imported by every process (dossiers' ready()).
CATALOG_VERSION_KEY = "procedures:catalog-version"
CATALOG_FRAGMENT_SECONDS = 600  # how long a cached catalog fragment lives (procedures.views)


def catalog_version() -> str:
    from core import versions

    return versions.current(CATALOG_VERSION_KEY)


def bump_catalog_version(**kwargs) -> None:
    """A receiver: a new catalog version at once, and again once the change is committed — a page another request
    rendered in between (from the rows before the commit) was cached under the first one and is never read again."""
    from django.db import transaction

    new_catalog_version()
    transaction.on_commit(new_catalog_version)


def new_catalog_version() -> None:  # a named on-commit callback (tests pick it out by name)
    from core import versions

    versions.renew(CATALOG_VERSION_KEY)


def _connect_catalog_receivers() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from procedures.models import Agency, Field, Procedure, ProcedureFee, RequiredDocument

    for model in (Procedure, Field, Agency, RequiredDocument, ProcedureFee):
        post_save.connect(bump_catalog_version, sender=model, dispatch_uid=f"catalog-version-save-{model.__name__}")
        post_delete.connect(bump_catalog_version, sender=model,
                            dispatch_uid=f"catalog-version-delete-{model.__name__}")
    m2m_changed.connect(bump_catalog_version, sender=Procedure.agencies.through, dispatch_uid="catalog-version-m2m")


_connect_catalog_receivers()
