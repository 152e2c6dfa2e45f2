"""The dossier: its states and the fsm transitions (no side effects beyond the row's own fields; who may run
them, the event row, pauses and notifications are the services' job: dossiers/services.py)."""


from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from dossiers.states import (
    NATIONAL_STATUS_CODES,
    TERMINAL_STATES,
    WITHDRAWABLE_STATES,
    State,
)
from procedures.models import Agency, DeadlineUnit, Procedure


class Channel(models.IntegerChoices):
    """Submission channel; the values are the national codes."""

    IN_PERSON = 1, _("Trực tiếp")
    ONLINE = 2, _("Trực tuyến")
    POST = 3, _("Bưu chính công ích")


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
    requested_delivery = models.CharField(
        _("hình thức nhận kết quả đã chọn"), max_length=20, choices=ResultDelivery.choices, blank=True,
        help_text=_("Người nộp chọn khi nộp hồ sơ: trực tuyến, tại Bộ phận Một cửa hoặc qua bưu chính."))
    postal_tracking_no = models.CharField(_("số hiệu bưu gửi"), max_length=40, blank=True)
    book_entry_no = models.PositiveIntegerField(_("số vào sổ theo dõi"), null=True, blank=True)
    # Set at reception when the procedure has an internal process (DossierStep rows): the paths that would
    # otherwise read the steps of every dossier skip those without.
    has_steps = models.BooleanField(_("có quy trình nội bộ"), default=False)
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
            # The REST API's dossier list for a client bound to a desk: cursor pagination on the id.
            models.Index(fields=["receiving_agency", "id"], name="dossier_agency_id"),
            # Statistics drill-down lists (reports.drilldown.cell_filter): results in a period, and dossiers
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
            # "Hồ sơ của tôi" for an account keyed by a personal identification number (dossiers.access).
            models.Index(fields=["applicant_id_number"], condition=~Q(applicant_id_number=""),
                         name="dossier_applicant_idno"),
            models.Index(fields=["authorised_id_number"], condition=~Q(authorised_id_number=""),
                         name="dossier_authorised_idno"),
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



