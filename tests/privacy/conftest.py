"""Privacy fixtures: the dossier world (tests.builders), an archive folder per test, a citizen with a
dossier of their own next to someone else's."""

import pytest
from django.core.cache import cache

from dossiers import services
from tests.builders import PDF_BYTES, PNG_BYTES, upload
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _archive_root(settings, tmp_path):
    settings.ARCHIVE_ROOT = tmp_path / "archive"
    cache.clear()  # the portal's rate limits


@pytest.fixture
def owned(world):  # noqa: F811 - the imported fixture
    """The citizen's returned dossier (with a file) and another citizen's dossier at the same desk (with a file)."""
    other = UserFactory(username="nguoikhac", full_name="Hoàng Văn Người Khác")
    mine = world.returned(applicant_user=world.citizen)
    services.attachment_add(dossier=mine, actor=world.user("clerk@desk"), uploaded=upload("to-khai.pdf", PDF_BYTES),
                            document=mine.documents.first())
    theirs = world.received(applicant_user=other)
    services.attachment_add(dossier=theirs, actor=world.user("clerk@desk"),
                            uploaded=upload("cua-nguoi-khac.png", PNG_BYTES), document=theirs.documents.first())
    return mine, theirs
