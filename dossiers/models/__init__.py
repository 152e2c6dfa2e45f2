"""Dossiers and their lifecycle data (dossier: the dossier and its states; records: what actions leave on it;
numbering: counters and form numbers). Import from here: `from dossiers.models import Dossier`."""

from dossiers.models.dossier import (  # noqa: F401
    FIGURE_FIELDS,
    MAX_SUPPLEMENTS_ON_TIME,
    PENDING_SPAN_SQL,
    Channel,
    Dossier,
    Outcome,
    ResultDelivery,
    Timeliness,
    figures_of,
)
from dossiers.models.numbering import (  # noqa: F401
    CounterKind,
    DossierCounter,
    FormNumber,
    FormNumberCounter,
    FormNumberKind,
)
from dossiers.models.records import (  # noqa: F401
    Apology,
    ApologyProposal,
    Attachment,
    AttachmentPurpose,
    ClockPause,
    DossierDocument,
    DossierEvent,
    PauseKind,
    SupplementRequest,
    attachment_path,
)
from dossiers.models.steps import DossierStep  # noqa: F401
from dossiers.states import (  # noqa: F401
    NATIONAL_STATUS_CODES,
    OPEN_STATES,
    PAUSED_STATES,
    RUNNING_STATES,
    TERMINAL_STATES,
    WITHDRAWABLE_STATES,
    State,
)
