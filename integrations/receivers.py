"""The sync outbox listens to the dossier lifecycle: each action's messages to the portal are written in the
action's own transaction (integrations/outbox.py), and delivered after commit."""

from integrations.outbox import record


def on_dossier_acted(sender, *, dossier, action, event=None, details=None, **kwargs):
    record(dossier, action=action, event=event, details=details)
