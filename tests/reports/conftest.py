"""A script driver: dossiers moved through the real services at chosen instants, for statistics tests."""

from datetime import datetime

import pytest

from dossiers import services
from dossiers.models import Channel, Dossier
from dossiers.services import APPLICANT, ApplicantData
from tests.builders import World, at


class Script:
    def __init__(self, place: World):
        self.world = place

    def _desk(self, dossier: Dossier) -> str:
        return "desk" if dossier.receiving_agency_id == self.world.desk.pk else "other_desk"

    def _holder(self, dossier: Dossier) -> str:
        """The World key of the agency holding the dossier ("dept", "province", or a desk deciding itself)."""
        w = self.world
        return {w.desk.pk: "desk", w.other_desk.pk: "other_desk", w.dept.pk: "dept", w.province.pk: "province",
                w.other_province.pk: "other_province"}[dossier.handling_agency_id]

    def submit(self, when: datetime, *, agency: str = "desk", channel: int = Channel.ONLINE,
               procedure=None) -> Dossier:
        procedure = procedure or self.world.procedure
        with at(when):
            return services.dossier_create(
                procedure=procedure, receiving_agency=self.world.place(agency), channel=channel,
                applicant=ApplicantData(name="Lê Thị Thống Kê", id_number="079203009999", phone="0912000222"),
                actor=APPLICANT,
                provided_required_document_ids=[d.pk for d in procedure.documents.filter(mandatory=True)])

    def receive(self, dossier: Dossier, when: datetime) -> Dossier:
        with at(when):
            return services.dossier_receive(dossier=dossier, actor=self.world.user(f"clerk@{self._desk(dossier)}"))

    def received(self, when: datetime, **kwargs) -> Dossier:
        return self.receive(self.submit(when, **kwargs), when)

    def refuse(self, dossier: Dossier, when: datetime) -> Dossier:
        with at(when):
            return services.dossier_refuse(dossier=dossier, actor=self.world.user(f"clerk@{self._desk(dossier)}"),
                                           reason="Không thuộc thẩm quyền")

    def forward(self, dossier: Dossier, when: datetime, to: str = "dept") -> Dossier:
        """The desk's hand-over (by its clerk) to `to`, or, once handed over, the holder's officer passing it on."""
        holder = self._holder(dossier)
        role = "clerk" if dossier.handling_agency_id == dossier.receiving_agency_id else "officer"
        with at(when):
            return services.dossier_forward(dossier=dossier, actor=self.world.user(f"{role}@{holder}"),
                                            to_agency=self.world.place(to))

    def supplement(self, dossier: Dossier, when: datetime) -> Dossier:
        with at(when):
            return services.dossier_request_supplement(
                dossier=dossier, actor=self.world.user(f"officer@{self._holder(dossier)}"),
                items=["Bản sao giấy tờ còn thiếu"])

    def answer(self, dossier: Dossier, when: datetime) -> Dossier:
        with at(when):
            return services.dossier_answer_supplement(dossier=dossier, actor=APPLICANT, note="Đã bổ sung")

    def resolve(self, dossier: Dossier, when: datetime, outcome: str = "approved") -> Dossier:
        """Proposed by the holder's officer and decided by its leader (handed over to the department first when
        still at the desk)."""
        if dossier.state == "received":
            dossier = self.forward(dossier, when)
        holder = self._holder(dossier)
        with at(when):
            dossier = services.dossier_propose(dossier=dossier, actor=self.world.user(f"officer@{holder}"),
                                               outcome=outcome, note="Đề xuất")
            if outcome == "approved":
                return services.dossier_approve(dossier=dossier, actor=self.world.user(f"leader@{holder}"))
            return services.dossier_decline(dossier=dossier, actor=self.world.user(f"leader@{holder}"),
                                            reason="Không đủ điều kiện")

    def return_result(self, dossier: Dossier, when: datetime) -> Dossier:
        with at(when):
            return services.dossier_return_result(
                dossier=dossier, actor=self.world.user(f"clerk@{self._desk(dossier)}"), delivery="in_person")

    def withdraw(self, dossier: Dossier, when: datetime) -> Dossier:
        with at(when):
            return services.dossier_withdraw(dossier=dossier, actor=self.world.user(f"clerk@{self._desk(dossier)}"),
                                             reason="Người nộp đề nghị rút")

    def stop(self, dossier: Dossier, when: datetime) -> Dossier:
        if dossier.state == "received":
            dossier = self.forward(dossier, when)
        with at(when):
            return services.dossier_stop(dossier=dossier, actor=self.world.user(f"leader@{self._holder(dossier)}"),
                                         reason="Không đủ điều kiện giải quyết")


@pytest.fixture
def script(world) -> Script:  # noqa: F811 - the imported fixture
    return Script(world)


@pytest.fixture
def march(script):
    """The hand-made month of tests/reports/scenario.py."""
    from tests.reports.scenario import build_march

    return build_march(script)
