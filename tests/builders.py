"""Shared test builders (the `world` fixture of tests/conftest.py builds a World): a small province (desks, a department, an inspector), staff by role, dossiers in any state.

Every action runs at a frozen instant (`at`), so due times, codes and events are exact.
"""

import io
import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from PIL import Image

from accounts.models import Role
from dossiers import services
from dossiers.models import ClockPause, Dossier, DossierEvent, SupplementRequest
from dossiers.services import ApplicantData
from procedures.models import AgencyKind
from tests.factories import (
    AgencyFactory,
    MembershipFactory,
    ProcedureFactory,
    RequiredDocumentFactory,
    UserFactory,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")



def pdf_file(*objects: bytes, trailer: bytes = b"") -> bytes:
    """A well-formed PDF: objects 1, 2, … (1 is the catalogue), a cross-reference table with exact offsets."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer, xref)
    return bytes(out)


def image_file(image_format: str, size=(16, 12)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (180, 40, 40)).save(buffer, image_format)
    return buffer.getvalue()


# Real files, as scanners and phones produce them: the upload check parses PDFs and decodes images in full.
PDF_BYTES = pdf_file(
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
    b"<< /Length 19 >>\nstream\n0 0 m 100 100 l S\nendstream",
)
PNG_BYTES = image_file("PNG")
JPEG_BYTES = image_file("JPEG")
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VN)


def at(moment: datetime):
    """Freeze the clock at `moment` (no ticking) for the actions inside the block."""
    return time_machine.travel(moment, tick=False)


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def fresh(dossier: Dossier) -> Dossier:
    return Dossier.objects.get(pk=dossier.pk)


def last_event(dossier: Dossier) -> DossierEvent:
    return DossierEvent.objects.filter(dossier_id=dossier.pk).order_by("-at", "-id").first()


def snapshot(dossier: Dossier) -> dict:
    """Everything an action could change, read from the database."""
    d = fresh(dossier)
    return {
        "state": d.state,
        "version": d.version,
        "received_at": d.received_at,
        "due_at": d.due_at,
        "appointment_at": d.appointment_at,
        "handling_agency": d.handling_agency_id,
        "assigned_officer": d.assigned_officer_id,
        "proposed_outcome": d.proposed_outcome,
        "outcome": d.outcome,
        "timeliness": d.timeliness,
        "supplement_count": d.supplement_count,
        "desk_supplement_count": d.desk_supplement_count,
        "decision_reason": d.decision_reason,
        "book_entry_no": d.book_entry_no,
        "events": list(DossierEvent.objects.filter(dossier=d).values_list("id", flat=True)),
        "pauses": list(ClockPause.objects.filter(dossier=d).values_list("id", "ended_at")),
        "supplement_requests": list(
            SupplementRequest.objects.filter(dossier=d).values_list("id", "answered_at")
        ),
        "has_apology": hasattr(d, "apology"),
        "documents": list(d.documents.values_list("id", "provided")),
    }


# Default timeline: submitted Mon 10 Mar 2025 08:00, received 09:00 (3 working days → due Thu 13 Mar 09:00),
# forwarded to the department 09:30, actions under test on Tue 11 Mar 10:00.
T_SUBMIT = vn(2025, 3, 10, 8, 0)
T_RECEIVE = vn(2025, 3, 10, 9, 0)
T_FORWARD = vn(2025, 3, 10, 9, 30)
T_STEP = vn(2025, 3, 10, 14, 0)
T_ACT = vn(2025, 3, 11, 10, 0)


class World:
    """One province H61 with two commune desks, a department, and staff created on demand by "role@place"."""

    def __init__(self):
        self.province = AgencyFactory(
            identifier="H61",
            name="Ủy ban nhân dân tỉnh Thử Nghiệm",
            kind=AgencyKind.PROVINCE,
            is_one_stop_desk=False,
        )
        self.desk = AgencyFactory(
            identifier="H61.22.10",
            name="Trung tâm Phục vụ hành chính công phường Một",
            kind=AgencyKind.COMMUNE_CENTRE,
            parent=self.province,
        )
        self.other_desk = AgencyFactory(
            identifier="H61.22.11",
            name="Trung tâm Phục vụ hành chính công xã Hai",
            kind=AgencyKind.COMMUNE_CENTRE,
            parent=self.province,
        )
        self.dept = AgencyFactory(
            identifier="H61.03",
            name="Sở Tài chính",
            kind=AgencyKind.DEPARTMENT,
            parent=self.province,
            is_one_stop_desk=False,
        )
        self.other_province = AgencyFactory(
            identifier="H62",
            name="Ủy ban nhân dân tỉnh Khác",
            kind=AgencyKind.PROVINCE,
            is_one_stop_desk=False,
        )
        self.procedure = ProcedureFactory(name="Cấp bản sao trích lục hộ tịch")
        self.procedure.agencies.add(self.desk, self.other_desk)
        self.form = RequiredDocumentFactory(procedure=self.procedure, position=1, name="Tờ khai cấp bản sao")
        self.proxy = RequiredDocumentFactory(
            procedure=self.procedure, position=2, name="Văn bản ủy quyền", mandatory=False
        )
        self.citizen = UserFactory(username="congdan", full_name="Nguyễn Thị Công Dân")
        self._users: dict[str, object] = {}

    def place(self, key: str):
        return {
            "desk": self.desk,
            "other_desk": self.other_desk,
            "dept": self.dept,
            "province": self.province,
            "other_province": self.other_province,
        }[key]

    def user(self, spec: str):
        """A staff user with one membership, e.g. "clerk@desk", "officer@dept", "inspector@province"."""
        if spec not in self._users:
            role, place = spec.split("@")
            user = UserFactory(username=spec.replace("@", ".").replace("_", "-"), full_name=f"Cán bộ {spec}")
            MembershipFactory(user=user, agency=self.place(place), role=Role(role))
            self._users[spec] = user
        return self._users[spec]

    # ------------------------------------------------------------ dossiers in a given state
    def submitted(
        self,
        *,
        at_time=T_SUBMIT,
        agency=None,
        procedure=None,
        provided=True,
        applicant_user=None,
        actor=services.APPLICANT,
    ) -> Dossier:
        procedure = procedure or self.procedure
        docs = [d.pk for d in procedure.documents.filter(mandatory=True)] if provided else []
        with at(at_time):
            return services.dossier_create(
                procedure=procedure,
                receiving_agency=agency or self.desk,
                channel=2,
                applicant=ApplicantData(name="Trần Văn Nộp", id_number="079203001234", phone="0912000111"),
                actor=actor,
                provided_required_document_ids=docs,
                applicant_user=applicant_user,
            )

    def received(self, *, at_time=T_RECEIVE, submitted_at=None, **kwargs) -> Dossier:
        dossier = self.submitted(at_time=submitted_at or at_time, **kwargs)
        with at(at_time):
            return services.dossier_receive(dossier=dossier, actor=self.user(f"clerk@{self._key(dossier)}"))

    def processing(self, *, received_at=T_RECEIVE, forwarded_at=None, **kwargs) -> Dossier:
        dossier = self.received(at_time=received_at, **kwargs)
        with at(forwarded_at or received_at + (T_FORWARD - T_RECEIVE)):
            return services.dossier_forward(
                dossier=dossier, actor=self.user("clerk@desk"), to_agency=self.dept
            )

    def proposed(self, outcome="approved", **kwargs) -> Dossier:
        dossier = self.processing(**kwargs)
        with at(T_STEP):
            return services.dossier_propose(
                dossier=dossier,
                actor=self.user("officer@dept"),
                outcome=outcome,
                note="Đủ điều kiện giải quyết",
            )

    def resolved(self, **kwargs) -> Dossier:
        dossier = self.proposed(**kwargs)
        with at(T_STEP):
            return services.dossier_approve(dossier=dossier, actor=self.user("leader@dept"))

    def returned(self, **kwargs) -> Dossier:
        dossier = self.resolved(**kwargs)
        with at(T_STEP):
            return services.dossier_return_result(
                dossier=dossier, actor=self.user("clerk@desk"), delivery="in_person"
            )

    def refused(self, **kwargs) -> Dossier:
        dossier = self.submitted(**kwargs)
        with at(T_RECEIVE):
            return services.dossier_refuse(
                dossier=dossier, actor=self.user("clerk@desk"), reason="Không thuộc thẩm quyền"
            )

    def desk_supplement(self, **kwargs) -> Dossier:
        dossier = self.submitted(**kwargs)
        with at(T_RECEIVE):
            return services.dossier_request_supplement(
                dossier=dossier, actor=self.user("clerk@desk"), items=["Bản sao giấy khai sinh"]
            )

    def authority_supplement(self, **kwargs) -> Dossier:
        dossier = self.processing(**kwargs)
        with at(T_STEP):
            return services.dossier_request_supplement(
                dossier=dossier, actor=self.user("officer@dept"), items=["Xác nhận tình trạng hôn nhân"]
            )

    def awaiting_payment(self, **kwargs) -> Dossier:
        dossier = self.processing(**kwargs)
        with at(T_STEP):
            return services.dossier_await_payment(
                dossier=dossier, actor=self.user("officer@dept"), reason="Chờ nộp lệ phí trước bạ"
            )

    def _key(self, dossier: Dossier) -> str:
        return "desk" if dossier.receiving_agency_id == self.desk.pk else "other_desk"


def _proposed_declined(world: World, **kwargs) -> Dossier:
    return world.proposed(outcome="declined", **kwargs)


SETUPS = {
    "submitted": World.submitted,
    "received": World.received,
    "processing": World.processing,
    "proposed": World.proposed,
    "proposed_declined": _proposed_declined,
    "resolved": World.resolved,
    "returned": World.returned,
    "refused": World.refused,
    "desk_supplement": World.desk_supplement,
    "authority_supplement": World.authority_supplement,
    "awaiting_payment": World.awaiting_payment,
}


def make(world: World, setup: str, **kwargs) -> Dossier:
    """A dossier brought to the named state through the services, on the default timeline."""
    return SETUPS[setup](world, **kwargs)


def race(n: int, act, prepare=lambda i: None):
    """Run act(i, prepared) in n threads released together; return [("ok", value) | ("error", exc)]."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def worker(i: int) -> None:
        try:
            prepared = prepare(i)
            connection.ensure_connection()  # connect before the barrier, so the race is on the actions
            barrier.wait(timeout=60)
            results[i] = ("ok", act(i, prepared))
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[i] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (deadlock?)"
    return results


def values(results):
    errors = [r[1] for r in results if r[0] == "error"]
    assert not errors, errors
    return [r[1] for r in results]
