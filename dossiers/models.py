"""Dossiers and their lifecycle data: the state machine's field, events, pauses, checklist, attachments, codes.

Transitions live here as django-fsm methods with no side effects beyond the row's own fields; who may run
them, the event row, pauses and notifications are the services' job (dossiers/services.py).
"""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from procedures.models import Agency, DeadlineUnit, Procedure, RequiredDocument


class Channel(models.IntegerChoices):
    """Submission channel; the values are the national codes."""

    IN_PERSON = 1, _("Trực tiếp")
    ONLINE = 2, _("Trực tuyến")
    POST = 3, _("Bưu chính công ích")


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


class Outcome(models.TextChoices):
    APPROVED = "approved", _("Giải quyết (chấp thuận)")
    DECLINED = "declined", _("Không giải quyết (từ chối bằng văn bản)")


# Decision 766: a dossier asked to supplement more than once counts as handled late (whatever its timeliness).
MAX_SUPPLEMENTS_ON_TIME = 1


class Timeliness(models.TextChoices):
    """Same values as procedures.worktime.Timeliness."""

    EARLY = "early", _("Trước hạn")
    ON_TIME = "on_time", _("Đúng hạn")
    LATE = "late", _("Quá hạn")


class ResultDelivery(models.TextChoices):
    IN_PERSON = "in_person", _("Trực tiếp tại Bộ phận Một cửa")
    POST = "post", _("Qua dịch vụ bưu chính công ích")
    ELECTRONIC = "electronic", _("Trực tuyến (bản điện tử)")


# The fields statistics are computed from: `figures_of` snapshots them before and after every write, and the
# `dossier_figures_changed` signal (sent inside the write's transaction) hands both to the reports app.
FIGURE_FIELDS = ("receiving_agency_id", "competent_agency_id", "procedure_id", "channel", "state", "received_at", "resolved_at",
                 "finished_at", "timeliness", "due_at", "supplement_count", "is_digitised", "result_is_electronic")


# PostgreSQL: the span during which a received dossier is pending, (received_at, closed]; GiST-indexed by
# migration 0004 (keep the two texts identical, or the planner will not use the index).
PENDING_SPAN_SQL = ("tstzrange(received_at, CASE WHEN COALESCE(resolved_at, finished_at) IS NULL THEN NULL "
                    "ELSE GREATEST(received_at, COALESCE(resolved_at, finished_at)) END, '(]')")


def figures_of(dossier) -> dict:
    return {name: getattr(dossier, name) for name in FIGURE_FIELDS}


class Dossier(ConcurrentTransitionMixin, models.Model):
    code = models.CharField(_("mã hồ sơ"), max_length=60, unique=True)
    procedure = models.ForeignKey(Procedure, verbose_name=_("thủ tục"), on_delete=models.PROTECT, related_name="dossiers")
    receiving_agency = models.ForeignKey(
        Agency, verbose_name=_("nơi tiếp nhận"), on_delete=models.PROTECT, related_name="received_dossiers"
    )
    handling_agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan đang xử lý"),
        on_delete=models.PROTECT,
        related_name="handled_dossiers",
        help_text=_("Cơ quan đang giữ hồ sơ; là nơi tiếp nhận cho đến khi chuyển xử lý."),
    )
    competent_agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan có thẩm quyền giải quyết"),
        on_delete=models.PROTECT,
        related_name="competent_dossiers",
        help_text=_("Cơ quan có thẩm quyền quyết định: nơi tiếp nhận cho đến khi chuyển xử lý, cơ quan được chuyển "
                    "đến sau đó, và cơ quan có lãnh đạo quyết định khi đã có quyết định. Báo cáo II.06a và chỉ số "
                    "Quyết định 766 tính hồ sơ cho cơ quan này."),
    )
    assigned_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chuyên viên được phân công"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_dossiers",
    )
    channel = models.PositiveSmallIntegerField(_("kênh nộp"), choices=Channel.choices)
    state = FSMField(_("trạng thái"), max_length=30, choices=State.choices, default=State.SUBMITTED, protected=True)
    version = models.PositiveIntegerField(_("phiên bản"), default=0, help_text=_("Tăng sau mỗi thao tác."))

    # Applicant
    applicant_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tài khoản công dân"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="own_dossiers",
    )
    applicant_is_organisation = models.BooleanField(_("là tổ chức"), default=False)
    applicant_name = models.CharField(_("họ tên người nộp / tên tổ chức"), max_length=255)
    applicant_id_number = models.CharField(
        _("số định danh cá nhân / mã số tổ chức"), max_length=20, help_text=_("CCCD 12 số hoặc mã số doanh nghiệp.")
    )
    applicant_birth_date = models.DateField(_("ngày sinh"), null=True, blank=True)
    applicant_address = models.CharField(_("địa chỉ"), max_length=500, blank=True)
    applicant_phone = models.CharField(_("số điện thoại"), max_length=20)
    applicant_email = models.EmailField(_("thư điện tử"), blank=True)
    authorised_name = models.CharField(_("người được ủy quyền"), max_length=255, blank=True)
    authorised_id_number = models.CharField(_("số định danh người được ủy quyền"), max_length=20, blank=True)
    authorised_phone = models.CharField(_("điện thoại người được ủy quyền"), max_length=20, blank=True)
    request_text = models.TextField(_("nội dung yêu cầu"), blank=True)
    set_count = models.PositiveSmallIntegerField(_("số bộ hồ sơ"), default=1, validators=[MinValueValidator(1)])

    # Deadline rule as received (rule 8: recomputable with the current calendar)
    deadline_amount = models.DecimalField(_("thời hạn (số lượng)"), max_digits=6, decimal_places=2, default=0)
    deadline_unit = models.CharField(_("đơn vị thời hạn"), max_length=20, choices=DeadlineUnit.choices)
    deadline_cutoff = models.TimeField(_("giờ chốt tiếp nhận"), null=True, blank=True)

    # Times
    submitted_at = models.DateTimeField(_("nộp lúc"), default=timezone.now)
    received_at = models.DateTimeField(_("tiếp nhận lúc"), null=True, blank=True)
    clock_started_at = models.DateTimeField(_("bắt đầu tính hạn lúc"), null=True, blank=True)
    due_at = models.DateTimeField(_("hạn giải quyết"), null=True, blank=True)
    appointment_at = models.DateTimeField(_("ngày hẹn trả"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("có kết quả lúc"), null=True, blank=True)
    returned_at = models.DateTimeField(_("trả kết quả lúc"), null=True, blank=True)
    finished_at = models.DateTimeField(
        _("kết thúc lúc"), null=True, blank=True, help_text=_("Thời điểm từ chối, rút hoặc dừng giải quyết.")
    )

    # Decision
    proposed_outcome = models.CharField(_("đề xuất"), max_length=10, choices=Outcome.choices, blank=True)
    proposal_note = models.TextField(_("nội dung đề xuất"), blank=True)
    outcome = models.CharField(_("kết quả giải quyết"), max_length=10, choices=Outcome.choices, blank=True)
    decision_reason = models.TextField(_("lý do"), blank=True, help_text=_("Lý do từ chối, dừng hoặc không giải quyết."))
    timeliness = models.CharField(_("tiến độ"), max_length=10, choices=Timeliness.choices, blank=True)
    supplement_count = models.PositiveSmallIntegerField(
        _("số lần yêu cầu bổ sung sau tiếp nhận"),
        default=0,
        help_text=_("Hơn một lần thì tính là quá hạn theo Quyết định 766/QĐ-TTg."),
    )
    desk_supplement_count = models.PositiveSmallIntegerField(_("số lần yêu cầu bổ sung khi tiếp nhận"), default=0)

    # Return
    result_delivery = models.CharField(_("hình thức trả kết quả"), max_length=20, choices=ResultDelivery.choices, blank=True)
    book_entry_no = models.PositiveIntegerField(_("số vào sổ theo dõi"), null=True, blank=True)
    is_digitised = models.BooleanField(_("đã số hóa thành phần hồ sơ"), default=False)
    result_is_electronic = models.BooleanField(_("có kết quả điện tử"), default=False)

    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        ordering = ["-submitted_at"]
        indexes = [
            # `include`: report cells count these index-only (PostgreSQL), without reading the rows.
            models.Index(fields=["receiving_agency", "received_at"], name="dossier_agency_received",
                         include=["channel"]),
            models.Index(fields=["state", "due_at"], name="dossier_state_due"),
            models.Index(fields=["handling_agency", "state", "due_at"], name="dossier_handling_queue"),
            models.Index(fields=["receiving_agency", "state", "submitted_at"], name="dossier_desk_queue"),
            models.Index(fields=["procedure", "resolved_at"], name="dossier_procedure_resolved"),
            # Statistics drill-down lists (reports.selectors.cell_filter): results in a period, and dossiers
            # still pending at an instant (received before it, closed — resolved, withdrawn, stopped — after it).
            models.Index(fields=["receiving_agency", "resolved_at"], name="dossier_agency_resolved",
                         include=["timeliness"]),
            models.Index(F("receiving_agency"), Coalesce("resolved_at", "finished_at"), name="dossier_agency_closed"),
            # The same for report rows, which count dossiers for the competent agency (II.06a, Decision 766).
            models.Index(fields=["competent_agency", "received_at"], name="dossier_competent_received",
                         include=["channel"]),
            models.Index(fields=["competent_agency", "resolved_at"], name="dossier_competent_resolved",
                         include=["timeliness"]),
            models.Index(F("competent_agency"), Coalesce("resolved_at", "finished_at"),
                         name="dossier_competent_closed"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state__in=["received", "processing", "awaiting_payment", "resolved", "returned"])
                | Q(received_at__isnull=False),
                name="dossier_received_states_have_received_at",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["resolved", "returned"]) | ~Q(outcome=""), name="dossier_resolved_has_outcome"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def national_status_code(self) -> int:
        return NATIONAL_STATUS_CODES[State(self.state)]

    @property
    def is_terminal(self) -> bool:
        return self.state in TERMINAL_STATES

    @property
    def has_decision(self) -> bool:
        return self.state in {State.RESOLVED, State.RETURNED, State.STOPPED, State.REFUSED}

    @property
    def counts_as_late_by_supplements(self) -> bool:
        return self.supplement_count > MAX_SUPPLEMENTS_ON_TIME

    @property
    def is_received(self) -> bool:
        return self.received_at is not None

    # ---- transitions (pure field changes; see services for guards on roles, events and side effects) ----
    @transition(field=state, source=State.SUBMITTED, target=State.RECEIVED)
    def receive(self):
        pass

    @transition(field=state, source=State.SUBMITTED, target=State.REFUSED)
    def refuse(self):
        pass

    @transition(field=state, source=[State.SUBMITTED, State.PROCESSING], target=State.SUPPLEMENT_REQUESTED)
    def request_supplement(self):
        pass

    @transition(field=state, source=State.SUPPLEMENT_REQUESTED, target=State.SUBMITTED, conditions=[
        lambda d: d.received_at is None])
    def supplement_at_desk(self):
        pass

    @transition(field=state, source=State.SUPPLEMENT_REQUESTED, target=State.PROCESSING, conditions=[
        lambda d: d.received_at is not None])
    def supplement_at_authority(self):
        pass

    @transition(field=state, source=[State.RECEIVED, State.PROCESSING], target=State.PROCESSING)
    def forward(self):
        pass

    @transition(field=state, source=State.PROCESSING, target=State.PROCESSING)
    def assign(self):
        pass

    @transition(field=state, source=State.PROCESSING, target=State.PROCESSING)
    def propose(self):
        pass

    @transition(field=state, source=State.PROCESSING, target=State.AWAITING_PAYMENT)
    def await_payment(self):
        pass

    @transition(field=state, source=State.AWAITING_PAYMENT, target=State.PROCESSING)
    def confirm_payment(self):
        pass

    @transition(field=state, source=State.PROCESSING, target=State.RESOLVED, conditions=[
        lambda d: bool(d.proposed_outcome)])
    def approve(self):
        pass

    @transition(field=state, source=State.PROCESSING, target=State.RESOLVED, conditions=[
        lambda d: bool(d.proposed_outcome)])
    def decline(self):
        pass

    @transition(field=state, source=[State.RECEIVED, State.PROCESSING, State.SUPPLEMENT_REQUESTED,
                                     State.AWAITING_PAYMENT], target=State.STOPPED)
    def stop(self):
        pass

    @transition(field=state, source=WITHDRAWABLE_STATES, target=State.WITHDRAWN)
    def withdraw(self):
        pass

    @transition(field=state, source=State.RESOLVED, target=State.RETURNED)
    def return_result(self):
        pass


ACTION_LABELS = {
    "submit": _("Nộp hồ sơ"),
    "receive": _("Tiếp nhận hồ sơ"),
    "refuse": _("Từ chối tiếp nhận"),
    "request_supplement": _("Yêu cầu bổ sung, hoàn thiện hồ sơ"),
    "answer_supplement": _("Bổ sung hồ sơ"),
    "forward": _("Chuyển xử lý"),
    "assign": _("Phân công xử lý"),
    "propose": _("Đề xuất kết quả"),
    "await_payment": _("Chờ thực hiện nghĩa vụ tài chính"),
    "confirm_payment": _("Đã thực hiện nghĩa vụ tài chính"),
    "approve": _("Phê duyệt kết quả"),
    "decline": _("Không phê duyệt, trả lời bằng văn bản"),
    "stop": _("Dừng giải quyết"),
    "propose_stop": _("Đề xuất dừng giải quyết"),
    "withdraw": _("Rút hồ sơ"),
    "return_result": _("Trả kết quả"),
    "apologise": _("Xin lỗi và hẹn lại ngày trả"),
    "propose_apology": _("Đề xuất xin lỗi và hẹn lại"),
}


class DossierEvent(models.Model):
    """One row per action on a dossier, written in the same transaction; hand-overs print on form 06."""

    dossier = models.ForeignKey(Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("thao tác"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người thực hiện"), null=True, blank=True, on_delete=models.PROTECT
    )
    actor_label = models.CharField(
        _("người thực hiện (hiển thị)"), max_length=255, blank=True, help_text=_("Ví dụ “Công dân” khi không đăng nhập.")
    )
    from_state = models.CharField(_("từ trạng thái"), max_length=30, choices=State.choices, blank=True)
    to_state = models.CharField(_("đến trạng thái"), max_length=30, choices=State.choices)
    from_agency = models.ForeignKey(
        Agency, verbose_name=_("bên giao"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_agency = models.ForeignKey(
        Agency, verbose_name=_("bên nhận"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("ghi chú"), blank=True)
    at = models.DateTimeField(_("thời điểm"), default=timezone.now)
    step_timeliness = models.CharField(_("tiến độ bước"), max_length=10, choices=Timeliness.choices, blank=True)

    class Meta:
        verbose_name = _("nhật ký hồ sơ")
        verbose_name_plural = _("nhật ký hồ sơ")
        ordering = ["dossier", "at", "id"]
        indexes = [models.Index(fields=["dossier", "at"], name="event_by_dossier_time")]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.action} {self.at:%Y-%m-%d %H:%M}"

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))


class PauseKind(models.TextChoices):
    SUPPLEMENT = "supplement", _("Chờ bổ sung hồ sơ")
    PAYMENT = "payment", _("Chờ thực hiện nghĩa vụ tài chính")


class ClockPause(models.Model):
    """A stop of the legal clock after reception (rule 7)."""

    dossier = models.ForeignKey(Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="pauses")
    kind = models.CharField(_("lý do tạm dừng"), max_length=20, choices=PauseKind.choices)
    started_at = models.DateTimeField(_("tạm dừng lúc"))
    ended_at = models.DateTimeField(_("tiếp tục lúc"), null=True, blank=True)
    due_before = models.DateTimeField(_("hạn trước khi dừng"))
    due_after = models.DateTimeField(_("hạn sau khi tiếp tục"), null=True, blank=True)

    class Meta:
        verbose_name = _("tạm dừng tính thời hạn")
        verbose_name_plural = _("tạm dừng tính thời hạn")
        ordering = ["dossier", "started_at"]
        constraints = [
            models.UniqueConstraint(fields=["dossier"], condition=Q(ended_at__isnull=True), name="one_open_pause"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.kind} {self.started_at:%d/%m/%Y}"


class SupplementRequest(models.Model):
    """Form 02: one written request listing everything missing."""

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="supplement_requests"
    )
    number = models.PositiveSmallIntegerField(_("lần"), default=1)
    before_reception = models.BooleanField(_("khi tiếp nhận"), default=True)
    items = models.JSONField(_("nội dung cần bổ sung"), default=list)
    reason = models.TextField(_("lý do"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người yêu cầu"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("yêu cầu lúc"))
    answered_at = models.DateTimeField(_("bổ sung lúc"), null=True, blank=True)
    answer_note = models.TextField(_("ghi chú của người nộp"), blank=True)

    class Meta:
        verbose_name = _("yêu cầu bổ sung hồ sơ")
        verbose_name_plural = _("yêu cầu bổ sung hồ sơ")
        ordering = ["dossier", "requested_at"]

    def __str__(self) -> str:
        return f"{self.dossier_id} #{self.number}"


class Apology(models.Model):
    """Form 04: apology and extension, at most one per dossier; never changes timeliness."""

    dossier = models.OneToOneField(Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="apology")
    reason = models.TextField(_("lý do chậm"))
    original_appointment_at = models.DateTimeField(_("hẹn trả ban đầu"))
    new_appointment_at = models.DateTimeField(_("hẹn trả mới"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người lập"), on_delete=models.PROTECT)
    issued_at = models.DateTimeField(_("lập lúc"))
    is_late = models.BooleanField(
        _("lập muộn"), default=False,
        help_text=_("Lập sau thời hạn luật định (chậm nhất một ngày làm việc trước hạn giải quyết)."))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("chuyên viên đề xuất"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+", help_text=_("Khi lãnh đạo phê duyệt đề xuất của chuyên viên."))

    class Meta:
        verbose_name = _("phiếu xin lỗi và hẹn lại")
        verbose_name_plural = _("phiếu xin lỗi và hẹn lại")

    def __str__(self) -> str:
        return f"{self.dossier_id}"


class ApologyProposal(models.Model):
    """An officer's proposal of form 04 (reason, new appointment), waiting for the leader, who issues it."""

    dossier = models.ForeignKey(Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE,
                                related_name="apology_proposals")
    reason = models.TextField(_("lý do chậm"))
    new_appointment_at = models.DateTimeField(_("hẹn trả mới đề xuất"))
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("chuyên viên đề xuất"),
                                    on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(_("đề xuất lúc"))

    class Meta:
        verbose_name = _("đề xuất phiếu xin lỗi")
        verbose_name_plural = _("đề xuất phiếu xin lỗi")
        ordering = ["dossier", "-proposed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.reason[:40]}"


class DossierDocument(models.Model):
    """One line of a dossier's documents checklist (from the procedure's required documents, or extra)."""

    dossier = models.ForeignKey(Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="documents")
    required_document = models.ForeignKey(
        RequiredDocument, verbose_name=_("giấy tờ theo quy định"), null=True, blank=True, on_delete=models.SET_NULL
    )
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=1)
    name = models.CharField(_("tên giấy tờ"), max_length=500)
    copy_kind = models.CharField(_("loại bản"), max_length=20, blank=True)
    count = models.PositiveSmallIntegerField(_("số lượng"), default=1)
    mandatory = models.BooleanField(_("bắt buộc"), default=True)
    provided = models.BooleanField(_("đã nộp"), default=False)

    class Meta:
        verbose_name = _("thành phần hồ sơ đã nộp")
        verbose_name_plural = _("thành phần hồ sơ đã nộp")
        ordering = ["dossier", "position", "id"]

    def __str__(self) -> str:
        return self.name


def attachment_path(instance: "Attachment", filename: str) -> str:
    # The stored name never comes from the user: a random name with the extension of the detected type.
    suffix = PurePosixPath(filename).suffix.lower()
    now = timezone.now()
    return f"dossiers/{now:%Y/%m}/{uuid.uuid4().hex}{suffix}"


class AttachmentPurpose(models.TextChoices):
    APPLICATION = "application", _("Thành phần hồ sơ")
    SUPPLEMENT = "supplement", _("Bổ sung")
    RESULT = "result", _("Kết quả")


class Attachment(models.Model):
    dossier = models.ForeignKey(Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="attachments")
    document = models.ForeignKey(
        DossierDocument,
        verbose_name=_("thành phần hồ sơ"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attachments",
    )
    purpose = models.CharField(
        _("mục đích"), max_length=20, choices=AttachmentPurpose.choices, default=AttachmentPurpose.APPLICATION
    )
    event = models.ForeignKey(
        "DossierEvent",
        verbose_name=_("thao tác mang tệp đến"),
        help_text=_("Lần nộp, bổ sung hoặc trả kết quả đã đính kèm tệp này."),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attachments",
    )
    file = models.FileField(_("tệp"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("tên tệp gốc"), max_length=255)
    content_type = models.CharField(_("loại tệp"), max_length=100)
    size = models.PositiveIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(_("mã băm SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người tải lên"), null=True, blank=True, on_delete=models.SET_NULL
    )
    uploaded_at = models.DateTimeField(_("tải lên lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("tệp đính kèm")
        verbose_name_plural = _("tệp đính kèm")
        ordering = ["dossier", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class CounterKind(models.TextChoices):
    CODE = "code", _("Mã hồ sơ theo ngày")
    BOOK = "book", _("Số vào sổ theo dõi theo năm")


class DossierCounter(models.Model):
    """Sequences per receiving agency: daily dossier codes, yearly tracking-book entries (locked row: race-free)."""

    kind = models.CharField(_("loại"), max_length=10, choices=CounterKind.choices, default=CounterKind.CODE)
    agency = models.ForeignKey(Agency, verbose_name=_("cơ quan"), on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("ngày"))
    last_value = models.PositiveIntegerField(_("số cuối"), default=0)

    class Meta:
        verbose_name = _("bộ đếm mã hồ sơ")
        verbose_name_plural = _("bộ đếm mã hồ sơ")
        constraints = [
            models.UniqueConstraint(fields=["kind", "agency", "day"], name="dossier_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day} {self.last_value}"


# ---------------------------------------------------------------- notifications (the outbox)
class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("Thư điện tử")
    SMS = "sms", _("Tin nhắn SMS")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Chờ gửi")
    SENDING = "sending", _("Đang gửi")
    SENT = "sent", _("Đã gửi")
    FAILED = "failed", _("Gửi không thành công")


class Notification(models.Model):
    """One message to one recipient, written in the transaction of the action that caused it (the outbox).

    The sender claims the row (status `sending`, a lease in `claimed_at`, a fresh `claim_token`), delivers,
    then marks it `sent`; see dossiers/notifications.py for the delivery guarantees.
    """

    idempotency_key = models.CharField(
        _("khóa chống gửi trùng"), max_length=200, unique=True,
        help_text=_("Một khóa cho mỗi thông báo; dùng làm Message-ID của thư."),
    )
    kind = models.CharField(_("loại thông báo"), max_length=40)
    channel = models.CharField(_("kênh gửi"), max_length=10, choices=NotificationChannel.choices)
    recipient = models.CharField(_("người nhận"), max_length=254, help_text=_("Địa chỉ thư hoặc số điện thoại."))
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("cán bộ nhận"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )
    dossier = models.ForeignKey(
        Dossier, verbose_name=_("hồ sơ"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="notifications",
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="+",
        help_text=_("Cơ quan có hộp thư đi chứa thông báo này (nơi tiếp nhận hồ sơ, hoặc nơi công tác của cán bộ)."),
    )
    subject = models.CharField(_("tiêu đề"), max_length=255, blank=True)
    body = models.TextField(_("nội dung"))
    status = models.CharField(
        _("trạng thái gửi"), max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("số lần thử"), default=0)
    deliveries = models.PositiveSmallIntegerField(
        _("số lần đã chuyển đi"), default=0, help_text=_("Lớn hơn 1 nghĩa là người nhận có thể nhận trùng.")
    )
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    claim_token = models.UUIDField(_("mã phiên gửi"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("nhận gửi lúc"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("thử lại từ"), default=timezone.now)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("hộp thư đi")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_requeue"),
            models.Index(fields=["agency", "status", "created_at"], name="notification_outbox_page"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="notification_sent_has_sent_at"
            ),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(claimed_at__isnull=False, claim_token__isnull=False),
                name="notification_sending_has_lease",
            ),
        ]

    def __str__(self) -> str:
        return self.idempotency_key


class TrackingBookFile(models.Model):
    """A day's tracking book (form 07) of a desk, rendered in the background into private storage."""

    agency = models.ForeignKey(Agency, verbose_name=_("bộ phận một cửa"), on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("ngày"))
    file = models.FileField(_("tệp PDF"), upload_to="tracking-books/", max_length=255)
    dossier_count = models.PositiveIntegerField(_("số hồ sơ"), default=0)
    rendered_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("sổ theo dõi hồ sơ (PDF)")
        verbose_name_plural = _("sổ theo dõi hồ sơ (PDF)")
        constraints = [models.UniqueConstraint(fields=["agency", "day"], name="tracking_book_file_unique")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day}"


# ---------------------------------------------------------------- numbers of the forms a desk issues (02, 03, 04)
class FormNumberKind(models.TextChoices):
    """The suffix printed after the number: "Số: 12/PBS"."""

    SUPPLEMENT = "PBS", _("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (mẫu 02)")
    REFUSAL = "PTC", _("Phiếu từ chối tiếp nhận giải quyết hồ sơ (mẫu 03)")
    APOLOGY = "PXL", _("Phiếu xin lỗi và hẹn lại ngày trả kết quả (mẫu 04)")


class FormNumberCounter(models.Model):
    """The last number a desk gave a kind of form in a year (incremented by one UPSERT: race-free)."""

    agency = models.ForeignKey(Agency, verbose_name=_("bộ phận một cửa"), on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("năm"))
    kind = models.CharField(_("loại phiếu"), max_length=3, choices=FormNumberKind.choices)
    last = models.PositiveIntegerField(_("số cuối"), default=0)

    class Meta:
        verbose_name = _("bộ đếm số phiếu")
        verbose_name_plural = _("bộ đếm số phiếu")
        constraints = [
            models.UniqueConstraint(fields=["agency", "year", "kind"], name="form_number_counter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.year} {self.kind} {self.last}"


class FormNumber(models.Model):
    """The number a form 02, 03 or 04 was given when issued; stored, so every re-print shows the same one.

    Form 02 belongs to its supplement request, form 04 to the apology, form 03 to the refused dossier itself."""

    kind = models.CharField(_("loại phiếu"), max_length=3, choices=FormNumberKind.choices)
    agency = models.ForeignKey(Agency, verbose_name=_("bộ phận một cửa"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("năm"))
    number = models.PositiveIntegerField(_("số"))
    dossier = models.ForeignKey(
        Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="form_numbers"
    )
    supplement_request = models.OneToOneField(
        SupplementRequest, verbose_name=_("yêu cầu bổ sung"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="form_number",
    )
    apology = models.OneToOneField(
        Apology, verbose_name=_("phiếu xin lỗi"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="form_number",
    )
    issued_at = models.DateTimeField(_("cấp số lúc"))

    class Meta:
        verbose_name = _("số phiếu")
        verbose_name_plural = _("số phiếu")
        constraints = [
            models.UniqueConstraint(fields=["agency", "year", "kind", "number"], name="form_number_unique"),
            models.UniqueConstraint(fields=["dossier", "kind"], condition=~Q(kind="PBS"),
                                    name="form_number_one_refusal_or_apology"),
            models.CheckConstraint(
                condition=Q(kind="PBS", supplement_request__isnull=False, apology__isnull=True)
                | Q(kind="PTC", supplement_request__isnull=True, apology__isnull=True)
                | Q(kind="PXL", supplement_request__isnull=True, apology__isnull=False),
                name="form_number_links_its_document",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}/{self.kind}"
