"""Errors a dossier action can raise; each carries a message the user can read."""


class DossierError(Exception):
    """Base: an action was refused and nothing was changed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ActionForbidden(DossierError):
    """The actor lacks the role at the agency the action needs."""


class TransitionRefused(DossierError):
    """The dossier is not in a state (or condition) that allows the action."""


class ConcurrentChange(DossierError):
    """Someone else changed the dossier since the actor loaded it."""


class InvalidInput(DossierError):
    """The action's data is incomplete or wrong."""
