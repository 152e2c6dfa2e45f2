"""The outbox listens to the dossier lifecycle: each action's message is written in the action's own
transaction (so it is never lost and never sent for an action that rolled back), and sent after commit."""

from notifications.outbox import enqueue, enqueue_appointment_moves


def on_dossier_acted(sender, *, dossier, action, event, **kwargs):
    enqueue(dossier, action, event=event)


def on_appointments_moved(sender, *, moves, **kwargs):
    enqueue_appointment_moves(moves)
