"""Surveys fixtures: the dossiers `world` (re-exported), returned dossiers with their after-commit effects run."""

import pytest

from dossiers import services as dossier_services
from dossiers.models import Dossier
from tests.builders import World, at, fresh, vn

PHONE = "0912000111"
EMAIL = "nguoinop@example.vn"


@pytest.fixture(autouse=True)
def _locmem_sms(locmem_sms):
    """Every test here reads the SMS sent (tests/conftest.py: locmem_sms)."""


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs the block's after-commit callbacks (dossier_changed, the eager send tasks)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def returned_with_email(w: World, committed_cm) -> Dossier:
    """Returned on the default timeline (early, no supplement), the applicant having given an e-mail address."""
    dossier = w.resolved()
    Dossier.objects.filter(pk=dossier.pk).update(applicant_email=EMAIL)
    dossier = fresh(dossier)
    with committed_cm(), at(vn(2025, 3, 10, 15, 0)):
        return dossier_services.dossier_return_result(dossier=dossier, actor=w.user("clerk@desk"),
                                                      delivery="in_person")


def returned_late_after_two_supplements(w: World, committed_cm) -> Dossier:
    """Received Mon 10 Mar 2025 09:00 (due Thu 13 Mar), two supplement requests answered the same day, approved
    and returned on Thu 20 Mar: late, with one late step (the approval)."""
    dossier = w.processing()
    officer, clerk = w.user("officer@dept"), w.user("clerk@desk")
    for hour in (10, 14):
        with at(vn(2025, 3, 10, hour, 0)):
            dossier = dossier_services.dossier_request_supplement(dossier=dossier, actor=officer,
                                                                  items=["Giấy xác nhận cư trú"])
        with at(vn(2025, 3, 10, hour, 30)):
            dossier = dossier_services.dossier_answer_supplement(dossier=dossier, actor=clerk)
    with at(vn(2025, 3, 20, 9, 0)):
        dossier = dossier_services.dossier_propose(dossier=dossier, actor=officer, outcome="approved", note="Đủ")
        dossier = dossier_services.dossier_approve(dossier=dossier, actor=w.user("leader@dept"))
    with committed_cm(), at(vn(2025, 3, 20, 10, 0)):
        return dossier_services.dossier_return_result(dossier=dossier, actor=clerk, delivery="in_person")


def returned_at_other_desk(w: World) -> Dossier:
    """The default timeline at the second desk (the `world` helpers hand over with the first desk's clerk)."""
    clerk = w.user("clerk@other_desk")
    dossier = w.received(agency=w.other_desk)
    with at(vn(2025, 3, 10, 9, 30)):
        dossier = dossier_services.dossier_forward(dossier=dossier, actor=clerk, to_agency=w.dept)
    with at(vn(2025, 3, 10, 14, 0)):
        dossier = dossier_services.dossier_propose(dossier=dossier, actor=w.user("officer@dept"), outcome="approved",
                                                   note="Đủ")
        dossier = dossier_services.dossier_approve(dossier=dossier, actor=w.user("leader@dept"))
        return dossier_services.dossier_return_result(dossier=dossier, actor=clerk, delivery="in_person")
