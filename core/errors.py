"""Errors a domain action can raise; each carries a message the user can read and the HTTP status a page
answers with when the error reaches it (core.middleware.DomainErrorMiddleware maps any error no view handled;
views that redisplay a form use `exc.status` too): one mapping, here."""


class DossierError(Exception):
    """Base: an action was refused and nothing was changed."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ActionForbidden(DossierError):
    """The actor lacks the role at the agency the action needs."""

    status = 403


class TransitionRefused(DossierError):
    """The dossier is not in a state (or condition) that allows the action."""

    status = 409


class ConcurrentChange(DossierError):
    """Someone else changed the dossier since the actor loaded it."""

    status = 409


class InvalidInput(DossierError):
    """The action's data is incomplete or wrong."""
