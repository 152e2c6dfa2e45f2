"""What the apps above privacy add to the personal data held about a dossier: the registry behind a citizen's
"my data" download (privacy.selectors.personal_data_of) and the archive packages (privacy.packages).

privacy sits below the apps that hold more about a dossier (surveys: the applicant's rating), so it does not
import them; each registers a section from its AppConfig.ready() instead:

    register_section("rating", dossier_data=ratings_by_dossier, archive_records=rating_records)

- dossier_data(dossiers) -> {dossier pk: value}: called once per download with the citizen's dossiers (a list);
  the value (JSON-able through DjangoJSONEncoder) lands under `name` in each dossier of the download, None for a
  dossier the mapping leaves out.
- archive_records(dossier) -> model instances: added to the package's dossier.json (Django's serialisation, read
  back by `manage.py loaddata`), after the dossier's own rows and before privacy's correction requests.

privacy's own content is built in (the dossier, its applicant, documents, files, timeline and messages; the
package's events.json, notifications.json, attachments.json and files/; the correction requests) and comes first;
registered sections follow in the order they were registered. Registering a name again replaces that section in
place (ready() may run more than once); a name privacy already uses in a dossier of the download is refused.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Model

DossierData = Callable[[Sequence[Any]], Mapping[int, Any]]
ArchiveRecords = Callable[[Any], Iterable[Model]]

# The keys of a dossier in the download that privacy fills itself (privacy.selectors._dossier).
BUILT_IN_DOSSIER_KEYS = frozenset({
    "code", "procedure", "receiving_agency", "channel", "state", "submitted_at", "received_at", "appointment_at",
    "resolved_at", "returned_at", "finished_at", "applicant", "request_text", "documents", "attachments", "timeline",
    "notifications",
})


@dataclass(frozen=True)
class Section:
    name: str
    dossier_data: DossierData | None = None
    archive_records: ArchiveRecords | None = None


_sections: dict[str, Section] = {}


def register_section(name: str, *, dossier_data: DossierData | None = None,
                     archive_records: ArchiveRecords | None = None) -> Section:
    """Add (or replace) the section `name`; at least one provider is needed."""
    if not name or not isinstance(name, str):
        raise ValueError("a section needs a name")
    if name in BUILT_IN_DOSSIER_KEYS:
        raise ValueError(f"section name {name!r} is already used by privacy in the download")
    if dossier_data is None and archive_records is None:
        raise ValueError(f"section {name!r} provides nothing (dossier_data or archive_records)")
    section = Section(name=name, dossier_data=dossier_data, archive_records=archive_records)
    _sections[name] = section
    return section


def unregister_section(name: str) -> None:
    """Remove the section `name` (nothing happens when it is not registered)."""
    _sections.pop(name, None)


def registered_sections() -> tuple[Section, ...]:
    """The registered sections, in registration order."""
    return tuple(_sections.values())


# ---------------------------------------------------------------- used by privacy
def dossier_sections(dossiers: Sequence[Any]) -> dict[str, Mapping[int, Any]]:
    """{section name: {dossier pk: value}} for the citizen's download, one call per section."""
    return {s.name: s.dossier_data(dossiers) for s in _sections.values() if s.dossier_data is not None}


def archive_records(dossier) -> list[Model]:
    """The rows the registered sections hold about `dossier`, for the package's dossier.json."""
    return [row for s in _sections.values() if s.archive_records is not None for row in s.archive_records(dossier)]
