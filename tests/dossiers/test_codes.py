"""Dossier codes `<agency identifier>-<YYMMDD>-<NNNN>`: one daily sequence per receiving agency."""

import pytest

from core.errors import ConcurrentChange
from dossiers import services
from dossiers.models import Dossier, State
from tests.builders import T_ACT, at, fresh, snapshot, vn

pytestmark = pytest.mark.django_db


def test_codes_are_consecutive_per_agency_per_day(world):
    monday = [world.submitted(at_time=vn(2025, 3, 10, h, 0)).code for h in (8, 9, 16)]
    other = world.submitted(agency=world.other_desk, at_time=vn(2025, 3, 10, 10, 0)).code
    tuesday = [world.submitted(at_time=vn(2025, 3, 11, h, 0)).code for h in (7, 8)]

    assert monday == ["H61.22.10-250310-0001", "H61.22.10-250310-0002", "H61.22.10-250310-0003"]
    assert other == "H61.22.11-250310-0001"
    assert tuesday == ["H61.22.10-250311-0001", "H61.22.10-250311-0002"]


def test_the_day_of_a_code_is_the_local_day(world):
    # 23:30 in Ho Chi Minh City is 16:30 UTC the same day; 00:30 is 17:30 UTC the day before.
    late = world.submitted(at_time=vn(2025, 3, 10, 23, 30))
    after_midnight = world.submitted(at_time=vn(2025, 3, 11, 0, 30))
    assert late.code == "H61.22.10-250310-0001"
    assert after_midnight.code == "H61.22.10-250311-0001"


def test_a_desk_clerk_creates_a_dossier_with_the_same_sequence(world):
    online = world.submitted()
    at_desk = world.submitted(actor=world.user("clerk@desk"))
    assert (online.code, at_desk.code) == ("H61.22.10-250310-0001", "H61.22.10-250310-0002")
    event = at_desk.events.get()
    assert (event.action, event.actor, event.to_state) == ("submit", world.user("clerk@desk"), "submitted")
    assert event.note == "Trực tuyến"


def test_a_clerk_of_another_desk_cannot_create_here(world):
    from core.errors import ActionForbidden

    with pytest.raises(ActionForbidden, match="tiếp nhận hồ sơ trực tiếp"):
        world.submitted(actor=world.user("clerk@other_desk"))
    assert not Dossier.objects.exists()


def test_a_new_dossier_carries_the_procedure_s_checklist(world):
    dossier = world.submitted(provided=False)
    assert list(dossier.documents.values_list("name", "mandatory", "provided")) == [
        ("Tờ khai cấp bản sao", True, False),
        ("Văn bản ủy quyền", False, False),
    ]
    assert dossier.state == State.SUBMITTED and dossier.national_status_code == 1


# ------------------------------------------------------------------ stale objects (any database)
def test_acting_on_a_stale_copy_raises_concurrent_change(world):
    dossier = world.submitted()
    first, second = Dossier.objects.get(pk=dossier.pk), Dossier.objects.get(pk=dossier.pk)
    with at(T_ACT):
        services.dossier_receive(dossier=first, actor=world.user("clerk@desk"))
    before = snapshot(dossier)

    for act in (
        lambda: services.dossier_receive(dossier=second, actor=world.user("clerk@desk")),
        lambda: services.dossier_refuse(
            dossier=second, actor=world.user("clerk@desk"), reason="Thiếu giấy tờ"
        ),
    ):
        with at(T_ACT), pytest.raises(ConcurrentChange) as exc:
            act()
        assert exc.value.message == (
            f"Hồ sơ {dossier.code} vừa được người khác cập nhật. Hãy tải lại trang để xem trạng thái mới."
        )
    assert snapshot(dossier) == before


def test_a_stale_copy_is_caught_even_when_the_state_did_not_change(world):
    """Two officers propose on the same processing dossier: the second saw an older version."""
    dossier = world.processing()
    first, second = Dossier.objects.get(pk=dossier.pk), Dossier.objects.get(pk=dossier.pk)
    officer = world.user("officer@dept")
    with at(T_ACT):
        services.dossier_propose(dossier=first, actor=officer, outcome="approved", note="Đủ điều kiện")
    before = snapshot(dossier)
    with at(T_ACT), pytest.raises(ConcurrentChange, match="vừa được người khác cập nhật"):
        services.dossier_propose(dossier=second, actor=officer, outcome="declined", note="Thiếu điều kiện")
    assert snapshot(dossier) == before
    assert fresh(dossier).proposed_outcome == "approved"


def test_a_stale_copy_cannot_apologise(world):
    dossier = world.processing()
    stale = Dossier.objects.get(pk=dossier.pk)
    with at(T_ACT):
        services.dossier_assign(
            dossier=dossier, actor=world.user("leader@dept"), officer=world.user("officer@dept")
        )
    with at(T_ACT), pytest.raises(ConcurrentChange):
        services.dossier_apologise(
            dossier=stale,
            actor=world.user("leader@dept"),
            reason="Chậm",
            new_appointment_at=vn(2025, 3, 20, 10, 0),
        )
    assert not hasattr(fresh(dossier), "apology")


def test_an_explicit_expected_version_is_checked(world):
    dossier = world.submitted()
    before = snapshot(dossier)
    with at(T_ACT), pytest.raises(ConcurrentChange):
        services.dossier_receive(dossier=dossier, actor=world.user("clerk@desk"), expected_version=7)
    assert snapshot(dossier) == before
    with at(T_ACT):
        dossier = services.dossier_receive(
            dossier=dossier, actor=world.user("clerk@desk"), expected_version=0
        )
    assert dossier.version == 1
