"""Signing fixtures: a test certification authority (one per session: key generation is the slow part), the
certificates it and a foreign CA issue, and the settings that trust the test CA."""

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from printing.demo_ca import Authority, issue_pkcs12, make_authority

PASSWORD_SOURCE = "ONECUA_SIGNING_TEST"
PASSWORD = "mat-khau-thu-nghiem"
LONG_AGO, FAR_AHEAD = datetime(2020, 1, 1, tzinfo=UTC), datetime(2040, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Keys:
    ca: Authority
    foreign_ca: Authority
    dept: bytes  # "Sở Tài chính", valid 2020–2040, issued by the test CA
    expired: bytes  # valid in 2020 only
    later: bytes  # valid from 2039
    foreign: bytes  # issued by another CA


@pytest.fixture(scope="session")
def signing_keys() -> Keys:
    ca = make_authority("CA Thử nghiệm", not_before=LONG_AGO, not_after=FAR_AHEAD)
    foreign_ca = make_authority("CA Không tin cậy", not_before=LONG_AGO, not_after=FAR_AHEAD)
    password = PASSWORD.encode()

    def issue(authority, name, start, end):
        return issue_pkcs12(authority, name, password=password, not_before=start, not_after=end)

    return Keys(
        ca=ca, foreign_ca=foreign_ca,
        dept=issue(ca, "Sở Tài chính", LONG_AGO, FAR_AHEAD),
        expired=issue(ca, "Sở Tài chính", LONG_AGO, datetime(2020, 12, 31, tzinfo=UTC)),
        later=issue(ca, "Sở Tài chính", datetime(2039, 1, 1, tzinfo=UTC), FAR_AHEAD),
        foreign=issue(foreign_ca, "Sở Tài chính", LONG_AGO, FAR_AHEAD),
    )


@pytest.fixture
def trust(settings, tmp_path, signing_keys):
    """The test CA is the only trust root; the test password is where the certificates say it is."""
    roots = tmp_path / "trust-roots"
    roots.mkdir()
    (roots / "ca.pem").write_bytes(signing_keys.ca.pem)
    settings.SIGNING_TRUST_ROOTS = [str(roots)]
    settings.SIGNING_KEY_PASSWORDS = {PASSWORD_SOURCE: PASSWORD}
    return signing_keys


@pytest.fixture
def dept_certificate(world, trust):
    from printing.keys import install_certificate

    return install_certificate(agency=world.dept, data=trust.dept, password_source=PASSWORD_SOURCE)
