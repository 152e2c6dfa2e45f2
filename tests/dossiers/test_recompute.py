"""Recomputing due times after the calendar changed (rule 8): exactly the open dossiers whose due time moves."""

from datetime import date

import pytest

from dossiers import recompute, services
from dossiers.models import Dossier
from dossiers.recompute import RecomputeSummary, recompute_open_dossiers
from dossiers.tasks import recompute_due_times
from procedures.models import CalendarException, CalendarExceptionKind
from procedures.signals import announce_deadline_rules_changed
from tests.builders import at, fresh, vn
from tests.factories import ProcedureFactory

pytestmark = pytest.mark.django_db

WEDNESDAY = date(2025, 3, 12)


@pytest.fixture
def dossiers(world):
    """Dossiers of every kind around Wed 12 Mar 2025; the comment gives the due time before any change."""
    clerk = world.user("clerk@desk")
    d = {}
    d["received"] = world.received(at_time=vn(2025, 3, 10, 10, 0))  # Thu 13 Mar 10:00
    d["next_week"] = world.processing(received_at=vn(2025, 3, 17, 10, 0))  # Thu 20 Mar 10:00
    d["other_desk"] = world.received(
        agency=world.other_desk, at_time=vn(2025, 3, 10, 10, 0)
    )  # Thu 13 Mar 10:00
    d["paused"] = world.authority_supplement()  # received Mon 09:00, paused Mon 14:00: Thu 13 Mar 09:00
    resumed = world.authority_supplement()
    with at(vn(2025, 3, 11, 10, 0)):
        d["resumed"] = services.dossier_answer_supplement(dossier=resumed, actor=clerk)  # Thu 13 Mar 17:00
    apologised = world.processing(received_at=vn(2025, 3, 10, 10, 0))
    with at(vn(2025, 3, 11, 9, 0)):
        d["apologised"] = services.dossier_apologise(  # Thu 13 Mar 10:00, appointment Mon 17 Mar 10:00
            dossier=apologised,
            actor=world.user("leader@dept"),
            reason="Chờ liên ngành",
            new_appointment_at=vn(2025, 3, 17, 10, 0),
        )
    d["resolved"] = world.resolved()  # Thu 13 Mar 09:00
    d["returned"] = world.returned()  # Thu 13 Mar 09:00
    d["refused"] = world.refused()  # no due time
    d["submitted"] = world.submitted()  # no due time
    stopped = world.processing()
    with at(vn(2025, 3, 11, 8, 0)):
        d["stopped"] = services.dossier_stop(dossier=stopped, actor=world.user("leader@dept"),
                                             reason="Không đủ điều kiện")
    return d


def dues(dossiers):
    return {
        name: (fresh(d).due_at, fresh(d).appointment_at, fresh(d).version) for name, d in dossiers.items()
    }


def test_a_new_day_off_recomputes_exactly_the_open_dossiers_whose_due_moves(
    world, dossiers, django_capture_on_commit_callbacks
):
    before = dues(dossiers)
    assert before["received"][:2] == (vn(2025, 3, 13, 10, 0),) * 2
    assert before["resumed"][0] == vn(2025, 3, 13, 17, 0)

    with at(vn(2025, 3, 11, 12, 0)):
        CalendarException.objects.create(
            date=WEDNESDAY, kind=CalendarExceptionKind.DAY_OFF, note="Nghỉ đột xuất"
        )
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            announce_deadline_rules_changed(reason="calendar_exception")
    # The recomputation, then one dispatch of the notifications written with the chunk it moved.
    assert len(callbacks) == 2

    after = dues(dossiers)
    moved = {name for name in dossiers if after[name] != before[name]}
    assert moved == {"received", "other_desk", "paused", "resumed", "apologised"}
    assert after["received"][:2] == (vn(2025, 3, 14, 10, 0), vn(2025, 3, 14, 10, 0))
    assert after["other_desk"][:2] == (vn(2025, 3, 14, 10, 0), vn(2025, 3, 14, 10, 0))
    # Still paused: the due time from reception with the new calendar, the pause not yet counted.
    assert after["paused"][0] == vn(2025, 3, 14, 9, 0)
    # Reception Mon 09:00 → Fri 14 09:00, plus the 6 working hours paused Mon 14:00–Tue 10:00 → Fri 14 17:00.
    assert after["resumed"][:2] == (vn(2025, 3, 14, 17, 0), vn(2025, 3, 14, 17, 0))
    # The apology's appointment is a promise to the applicant: only the legal due time moves.
    assert after["apologised"][:2] == (vn(2025, 3, 14, 10, 0), vn(2025, 3, 17, 10, 0))
    # A recomputation is not an action: no event, no new version the users' open pages would trip over.
    for name in moved:
        assert after[name][2] == before[name][2]
    assert fresh(dossiers["resolved"]).timeliness == "early"


def test_the_summary_counts_checked_and_changed_dossiers(world, dossiers):
    CalendarException.objects.create(date=WEDNESDAY, kind=CalendarExceptionKind.DAY_OFF, note="Nghỉ đột xuất")
    # Open (received, processing, paused) = received, next_week, other_desk, paused, resumed, apologised.
    assert recompute_open_dossiers() == RecomputeSummary(checked=6, changed=5)
    assert recompute_open_dossiers() == RecomputeSummary(checked=6, changed=0)  # idempotent
    assert recompute_due_times.delay().get() == {"checked": 6, "changed": 0, "notified": 0}


def test_the_summary_for_one_procedure(world, dossiers):
    other_procedure = ProcedureFactory()
    mine = world.received(procedure=other_procedure, at_time=vn(2025, 3, 10, 10, 0))
    CalendarException.objects.create(date=WEDNESDAY, kind=CalendarExceptionKind.DAY_OFF, note="Nghỉ đột xuất")
    assert recompute_open_dossiers(procedure_id=other_procedure.pk) == RecomputeSummary(checked=1, changed=1)
    assert fresh(mine).due_at == vn(2025, 3, 14, 10, 0)
    assert fresh(dossiers["received"]).due_at == vn(2025, 3, 13, 10, 0)  # another procedure: not touched


def test_a_day_off_in_another_province_changes_nothing_here(
    world, dossiers, django_capture_on_commit_callbacks
):
    before = dues(dossiers)
    CalendarException.objects.create(
        date=WEDNESDAY, kind=CalendarExceptionKind.DAY_OFF, note="Bão", province=world.other_province
    )
    with django_capture_on_commit_callbacks(execute=True):
        announce_deadline_rules_changed(reason="calendar_exception")
    assert dues(dossiers) == before
    assert recompute_open_dossiers().changed == 0


def test_removing_the_day_off_brings_the_due_time_back(world, dossiers, django_capture_on_commit_callbacks):
    exception = CalendarException.objects.create(
        date=WEDNESDAY, kind=CalendarExceptionKind.DAY_OFF, note="Nghỉ"
    )
    with django_capture_on_commit_callbacks(execute=True):
        announce_deadline_rules_changed(reason="calendar_exception")
    assert fresh(dossiers["received"]).due_at == vn(2025, 3, 14, 10, 0)
    exception.delete()
    with django_capture_on_commit_callbacks(execute=True):
        announce_deadline_rules_changed(reason="calendar_exception")
    assert (
        fresh(dossiers["received"]).due_at
        == fresh(dossiers["received"]).appointment_at
        == vn(2025, 3, 13, 10, 0)
    )


def test_a_stale_copy_is_not_counted_as_recomputed(world):
    dossier = world.processing()
    stale = Dossier.objects.get(pk=dossier.pk)
    with at(vn(2025, 3, 11, 10, 0)):
        services.dossier_assign(
            dossier=dossier, actor=world.user("leader@dept"), officer=world.user("officer@dept")
        )
    CalendarException.objects.create(date=WEDNESDAY, kind=CalendarExceptionKind.DAY_OFF, note="Nghỉ đột xuất")
    # Someone acted since the copy was read: the row is left alone, and the caller is told so.
    assert recompute.dossier_recompute_due(dossier=stale) is False
    assert fresh(dossier).due_at == vn(2025, 3, 13, 9, 0)
    assert recompute.dossier_recompute_due(dossier=fresh(dossier)) is True
    assert fresh(dossier).due_at == vn(2025, 3, 14, 9, 0)


def test_applicants_whose_appointment_moved_are_told_once(world, dossiers, django_capture_on_commit_callbacks):
    from notifications.models import Notification, NotificationStatus

    Notification.objects.all().delete()
    with_email = dossiers["received"]
    Dossier.objects.filter(pk=with_email.pk).update(applicant_email="nop@example.vn")
    with at(vn(2025, 3, 11, 12, 0)):
        CalendarException.objects.create(date=WEDNESDAY, kind=CalendarExceptionKind.DAY_OFF, note="Nghỉ")
        with django_capture_on_commit_callbacks(execute=True):
            summary = recompute_due_times.delay().get()
        with django_capture_on_commit_callbacks(execute=True):
            again = recompute_due_times.delay().get()
    assert summary == {"checked": 6, "changed": 5, "notified": 4}
    assert again == {"checked": 6, "changed": 0, "notified": 0}
    moved = Notification.objects.filter(kind="appointment_moved")
    # The apology's appointment does not move, so its applicant hears nothing; finished dossiers neither.
    expected = {dossiers[n].pk for n in ("received", "other_desk", "paused", "resumed")}
    assert {n.dossier_id for n in moved} == expected
    assert moved.filter(channel="sms").count() == 4
    email = moved.get(channel="email")
    assert email.recipient == "nop@example.vn"
    assert "10 giờ 00 phút, ngày 13/03/2025" in email.body
    assert "10 giờ 00 phút, ngày 14/03/2025" in email.body
    assert set(moved.values_list("status", flat=True)) == {NotificationStatus.SENT}


def test_the_moved_appointment_message_is_the_same_text_as_for_one_dossier(
    world, dossiers, django_capture_on_commit_callbacks, settings
):
    """The recomputation composes thousands of messages from plain values: the text is exactly the single
    dossier's (organisation and person salutations, both channels)."""
    from core.links import tracking_url
    from notifications import outbox
    from notifications.models import Notification

    settings.ONECUA = {**settings.ONECUA, "PROVINCE_NAME": "Tây Ninh"}
    Notification.objects.all().delete()
    company, person = dossiers["received"], dossiers["other_desk"]
    Dossier.objects.filter(pk=company.pk).update(applicant_email="vp@duchoa.vn", applicant_is_organisation=True,
                                                 applicant_name="Công ty TNHH Đức Hòa")
    Dossier.objects.filter(pk=person.pk).update(applicant_email="nop@example.vn")
    with at(vn(2025, 3, 11, 12, 0)):
        CalendarException.objects.create(date=WEDNESDAY, kind=CalendarExceptionKind.DAY_OFF, note="Nghỉ")
        with django_capture_on_commit_callbacks(execute=True):
            recompute_open_dossiers()

    company = fresh(company)
    email = Notification.objects.get(dossier=company, channel="email")
    sms = Notification.objects.get(dossier=company, channel="sms")
    url = tracking_url(company)
    assert email.subject == f"[Một Cửa] Hồ sơ {company.code}: thay đổi thời gian hẹn trả kết quả"
    assert email.body == "\n".join([
        "Kính gửi Công ty TNHH Đức Hòa,",
        "",
        "Do lịch làm việc của cơ quan nhà nước thay đổi, thời gian hẹn trả kết quả hồ sơ của Ông/Bà được điều chỉnh:",
        "  - Thời gian hẹn cũ: 10 giờ 00 phút, ngày 13/03/2025",
        "  - Thời gian hẹn mới: 10 giờ 00 phút, ngày 14/03/2025",
        "",
        f"Mã hồ sơ: {company.code}",
        f"Thủ tục: {company.procedure.name}",
        f"Nơi tiếp nhận: {company.receiving_agency.name}",
        "",
        f"Tra cứu tình trạng hồ sơ: {url}",
        "",
        "Thư này được gửi tự động từ Cổng dịch vụ công Một Cửa tỉnh Tây Ninh; xin Ông/Bà không trả lời thư này.",
    ])
    assert sms.body == f"Mot Cua: HS {company.code} doi lich hen tra ket qua sang 10:00 14/03/2025. Tra cuu: {url}"
    assert (email.status, email.attempts, email.deliveries) == ("sent", 1, 1)

    for dossier in (company, fresh(person)):
        single = outbox.appointment_moved_rows(dossier, old_appointment=vn(2025, 3, 13, 10, 0))
        written = Notification.objects.filter(dossier=dossier).order_by("channel")
        assert [(n.kind, n.channel, n.recipient, n.agency_id, n.subject, n.body) for n in written] == sorted(
            (n.kind, n.channel, n.recipient, n.agency_id, n.subject, n.body) for n in single)
