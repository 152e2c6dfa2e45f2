"""Demo data for `make run`: Tây Ninh's two-tier agencies, one staff user per role, the sample catalog.

Idempotent: running it again updates the same rows.
"""

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.db import transaction

from accounts.admin import sync_administrator_access
from accounts.models import Role, StaffMembership, User
from procedures.models import Agency, AgencyKind

DEMO_PASSWORD = "motcua@2026"
CATALOG_FILE = Path(__file__).resolve().parent.parent / "procedures" / "fixtures" / "demo_catalog.json"

# (identifier, name, kind, parent identifier, is_one_stop_desk, valid_to)
AGENCIES = [
    ("H61", "Ủy ban nhân dân tỉnh Tây Ninh", AgencyKind.PROVINCE, None, False, None),
    ("H61.01", "Trung tâm Phục vụ hành chính công tỉnh Tây Ninh", AgencyKind.PROVINCE_CENTRE, "H61", True, None),
    ("H61.02", "Sở Tư pháp tỉnh Tây Ninh", AgencyKind.DEPARTMENT, "H61", False, None),
    ("H61.03", "Sở Tài chính tỉnh Tây Ninh", AgencyKind.DEPARTMENT, "H61", False, None),
    ("H61.22.10", "Trung tâm Phục vụ hành chính công phường Long An", AgencyKind.COMMUNE_CENTRE, "H61", True, None),
    ("H61.22.11", "Trung tâm Phục vụ hành chính công xã Cần Giuộc", AgencyKind.COMMUNE_CENTRE, "H61", True, None),
    ("H61.22.12", "Trung tâm Phục vụ hành chính công phường Tân Ninh", AgencyKind.COMMUNE_CENTRE, "H61", True, None),
    ("H61.21", "Ủy ban nhân dân huyện Cần Giuộc (đơn vị cũ)", AgencyKind.DISTRICT, "H61", False, "2025-06-30"),
]

ADDRESSES = {
    "H61.01": "Số 1 đường Hùng Vương, phường Long An, tỉnh Tây Ninh",
    "H61.22.10": "Đường Nguyễn Huệ, phường Long An, tỉnh Tây Ninh",
    "H61.22.11": "Thị trấn cũ Cần Giuộc, xã Cần Giuộc, tỉnh Tây Ninh",
    "H61.22.12": "Đường 30/4, phường Tân Ninh, tỉnh Tây Ninh",
}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    full_name: str
    role: str
    agency: str


# One staff user per role, plus a citizen account.
STAFF = [
    ("motcua.longan", "Trần Thị Mai", Role.CLERK, "H61.22.10"),
    ("chuyenvien.longan", "Lê Văn Hùng", Role.OFFICER, "H61.22.10"),
    ("lanhdao.longan", "Nguyễn Văn Đức", Role.LEADER, "H61.22.10"),
    ("motcua.tinh", "Phạm Thị Hồng", Role.CLERK, "H61.01"),
    ("chuyenvien.sotc", "Võ Minh Tuấn", Role.OFFICER, "H61.03"),
    ("thanhtra.tinh", "Đặng Quốc Việt", Role.INSPECTOR, "H61"),
    ("quantri", "Quản trị hệ thống", Role.ADMIN, "H61"),
]
CITIZEN = ("congdan", "Nguyễn Thị Ánh Tuyết", "0912345678", "congdan@example.vn")


@transaction.atomic
def load_agencies() -> dict[str, Agency]:
    by_id: dict[str, Agency] = {}
    for identifier, name, kind, parent, desk, valid_to in AGENCIES:
        agency, _ = Agency.objects.update_or_create(
            identifier=identifier,
            defaults={
                "name": name,
                "kind": kind,
                "parent": by_id.get(parent) if parent else None,
                "is_one_stop_desk": desk,
                "valid_to": valid_to,
                "address": ADDRESSES.get(identifier, ""),
                "phone": "0272 3 800 000" if desk else "",
            },
        )
        by_id[identifier] = agency
    return by_id


@transaction.atomic
def load_users(agencies: dict[str, Agency]) -> list[DemoLogin]:
    logins = []
    for username, full_name, role, agency_id in STAFF:
        user, created = User.objects.get_or_create(username=username, defaults={"full_name": full_name})
        user.full_name = full_name
        # The administrator is staff (the admin, scoped to the province's agencies), never a superuser: a
        # superuser is the site operator's, made with `createsuperuser`.
        user.is_staff = role == Role.ADMIN
        user.is_superuser = False
        user.set_password(DEMO_PASSWORD)
        user.save()
        StaffMembership.objects.get_or_create(user=user, agency=agencies[agency_id], role=role)
        sync_administrator_access(user)  # the group "Quản trị cơ quan" (its model permissions)
        logins.append(DemoLogin(username, full_name, Role(role).label, agencies[agency_id].name))
    username, full_name, phone, email = CITIZEN
    citizen, _ = User.objects.get_or_create(username=username)
    citizen.full_name, citizen.phone, citizen.email = full_name, phone, email
    citizen.set_password(DEMO_PASSWORD)
    citizen.save()
    logins.append(DemoLogin(username, full_name, "Công dân", "—"))
    return logins


def load_catalog():
    from procedures.catalog_io import read_catalog_file
    from procedures.services import catalog_import

    report = catalog_import(rows=read_catalog_file(CATALOG_FILE))
    if report.rejected:
        raise ValueError("Demo catalog rows rejected: " + "; ".join(f"{n}: {m}" for n, m in report.rejected))
    return report


SAMPLE_APPLICANTS = [
    ("Lê Thị Ngọc Ánh", "079203001111", "0912000111"),
    ("Trần Văn Bình", "079203002222", "0912000222"),
    ("Phạm Minh Châu", "079203003333", "0912000333"),
    ("Huỳnh Thị Diệu", "079203004444", "0912000444"),
]


def load_sample_dossiers(agencies: dict[str, Agency]) -> int:
    """A few dossiers in different states at the Long An desk, so every queue has something (once only)."""
    from dossiers import services
    from dossiers.models import Channel, Dossier
    from procedures.models import Procedure

    desk = agencies["H61.22.10"]
    if Dossier.objects.filter(receiving_agency=desk).exists():
        return 0
    clerk = User.objects.get(username="motcua.longan")
    officer = User.objects.get(username="chuyenvien.longan")
    procedure = Procedure.objects.get(national_code="1.004873")
    required = [d.pk for d in procedure.documents.all()]
    made = []
    for name, id_number, phone in SAMPLE_APPLICANTS:
        made.append(services.dossier_create(
            procedure=procedure, receiving_agency=desk, channel=Channel.ONLINE, actor=services.APPLICANT,
            applicant=services.ApplicantData(name=name, id_number=id_number, phone=phone,
                                             address="Phường Long An, tỉnh Tây Ninh"),
            provided_required_document_ids=required))
    services.dossier_receive(dossier=made[1], actor=clerk)
    processing = services.dossier_receive(dossier=made[2], actor=clerk)
    processing = services.dossier_forward(dossier=processing, actor=clerk, to_agency=desk)
    services.dossier_assign(dossier=processing, actor=User.objects.get(username="lanhdao.longan"), officer=officer)
    paused = services.dossier_receive(dossier=made[3], actor=clerk)
    paused = services.dossier_forward(dossier=paused, actor=clerk, to_agency=desk)
    services.dossier_request_supplement(dossier=paused, actor=officer, items=["Bản sao giấy khai sinh"])
    return len(made)


# The demo CA: its certificate where the default SIGNING_TRUST_ROOTS looks (<private storage>/signing/trust-roots),
# its key next to it (to issue the certificate of an agency added later); the agencies' PKCS#12 files open with the
# password settings.SIGNING_KEY_PASSWORDS gives this name (an environment variable of the same name wins).
DEMO_CA_NAME = "CA Thử nghiệm Một Cửa (demo)"
DEMO_CA_CERTIFICATE = "signing/trust-roots/demo-ca.pem"
DEMO_CA_KEY = "signing/demo-ca/demo-ca-key.pem"
DEMO_SIGNING_PASSWORD_SOURCE = "ONECUA_SIGNING_DEMO_PASSWORD"


def _demo_authority():
    """The demo CA kept in private storage, made (and every demo certificate retired) when missing or expired."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from printing.demo_ca import Authority, make_authority
    from printing.models import SigningCertificate

    now = timezone.now()
    if default_storage.exists(DEMO_CA_CERTIFICATE) and default_storage.exists(DEMO_CA_KEY):
        with default_storage.open(DEMO_CA_CERTIFICATE, "rb") as cert, default_storage.open(DEMO_CA_KEY, "rb") as key:
            authority = Authority.from_pem(cert.read(), key.read())
        if authority.certificate.not_valid_after_utc > now + timedelta(days=400):
            return authority
    authority = make_authority(DEMO_CA_NAME, not_before=now - timedelta(days=1), not_after=now + timedelta(days=3650))
    for name, content in ((DEMO_CA_CERTIFICATE, authority.pem), (DEMO_CA_KEY, authority.key_pem)):
        default_storage.delete(name)
        default_storage.save(name, ContentFile(content))
    SigningCertificate.objects.filter(password_source=DEMO_SIGNING_PASSWORD_SOURCE).update(is_active=False)
    return authority


def load_signing_certificates(agencies: dict[str, Agency]) -> int:
    """One demo signing certificate per agency in operation (valid three years), issued by the demo CA; an
    agency that already has a valid one keeps it. Returns how many were issued."""
    from django.utils import timezone

    from printing import keys
    from printing.demo_ca import issue_pkcs12, years_around

    authority = _demo_authority()
    password = keys.password_for(DEMO_SIGNING_PASSWORD_SOURCE)
    issued = 0
    for agency in agencies.values():
        if agency.valid_to is not None or keys.valid_certificate_of(agency.pk) is not None:
            continue
        not_before, not_after = years_around(timezone.now())
        data = issue_pkcs12(authority, agency.name, password=password, not_before=not_before, not_after=not_after)
        keys.install_certificate(agency=agency, data=data, password_source=DEMO_SIGNING_PASSWORD_SOURCE)
        issued += 1
    return issued


def load_demo() -> list[DemoLogin]:
    agencies = load_agencies()
    logins = load_users(agencies)
    load_catalog()
    load_sample_dossiers(agencies)
    load_signing_certificates(agencies)
    return logins
