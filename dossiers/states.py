"""The states of a dossier and their groups (no model here: the registry of actions and the models both use
them)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    SUBMITTED = "submitted", _("Mới nộp, chờ tiếp nhận")
    RECEIVED = "received", _("Đã tiếp nhận")
    REFUSED = "refused", _("Từ chối tiếp nhận")
    PROCESSING = "processing", _("Đang xử lý")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Yêu cầu bổ sung, hoàn thiện")
    AWAITING_PAYMENT = "awaiting_payment", _("Chờ thực hiện nghĩa vụ tài chính")
    WITHDRAWN = "withdrawn", _("Công dân rút hồ sơ")
    STOPPED = "stopped", _("Dừng giải quyết")
    RESOLVED = "resolved", _("Đã có kết quả, chờ trả")
    RETURNED = "returned", _("Đã trả kết quả")


NATIONAL_STATUS_CODES = {
    State.SUBMITTED: 1,
    State.RECEIVED: 2,
    State.REFUSED: 3,
    State.PROCESSING: 4,
    State.SUPPLEMENT_REQUESTED: 5,
    State.AWAITING_PAYMENT: 6,
    State.WITHDRAWN: 7,
    State.STOPPED: 8,
    State.RESOLVED: 9,
    State.RETURNED: 10,
}
TERMINAL_STATES = {State.REFUSED, State.WITHDRAWN, State.STOPPED, State.RETURNED}
# States in which the legal clock is (or was) running and no decision exists yet.
OPEN_STATES = {State.RECEIVED, State.PROCESSING, State.SUPPLEMENT_REQUESTED, State.AWAITING_PAYMENT}
PAUSED_STATES = {State.SUPPLEMENT_REQUESTED, State.AWAITING_PAYMENT}
# Open with the clock running: the only dossiers that can be overdue (or at risk) right now.
RUNNING_STATES = OPEN_STATES - PAUSED_STATES
WITHDRAWABLE_STATES = [
    State.SUBMITTED,
    State.RECEIVED,
    State.PROCESSING,
    State.SUPPLEMENT_REQUESTED,
    State.AWAITING_PAYMENT,
]
