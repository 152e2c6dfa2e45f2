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
