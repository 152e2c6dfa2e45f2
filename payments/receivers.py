"""Payments listen to the dossier lifecycle: the dues an action opens are written in the action's own
transaction (a reception with fees, a financial obligation with an amount), so they exist exactly when the
action does."""

from payments.services import open_dues_for_action

OPENING_ACTIONS = {"receive", "await_payment"}


def on_dossier_acted(sender, *, dossier, action, event, details=None, **kwargs):
    if action in OPENING_ACTIONS:
        open_dues_for_action(dossier=dossier, action=action, event=event, details=details or {})
