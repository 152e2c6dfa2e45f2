"""Options shared by the Celery tasks of every app."""

# Tasks that are safe to run twice are acknowledged late and re-queued if their worker dies.
IDEMPOTENT = {"acks_late": True, "reject_on_worker_lost": True}
