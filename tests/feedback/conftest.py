"""Feedback (PAKN) fixtures: the `world` of tests/builders.py, a feedback about a dossier or a procedure sent
through the service at a frozen instant, and the rate-limit cache emptied."""

import pytest
from django.core.cache import cache

from feedback import services
from tests.builders import World, at, vn

SENDER = {"sender_name": "Lê Thị Phản Ánh", "sender_phone": "0987654321", "sender_email": "phananh@example.vn"}
# Mon 17 Mar 2025 09:00: 10 working days → due Mon 31 Mar 2025 09:00.
T_SENT = vn(2025, 3, 17, 9, 0)


@pytest.fixture(autouse=True)
def _empty_cache(locmem_sms):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def send(w: World, *, at_time=T_SENT, dossier=None, agency=None, content="Cán bộ hẹn trả kết quả nhưng không trả.",
         **sender):
    with at(at_time):
        return services.feedback_submit(procedure=w.procedure, agency=agency or w.desk, kind="feedback",
                                        content=content, dossier=dossier, **{**SENDER, **sender})


@pytest.fixture
def sent(world):
    return send(world)
