"""What the API returns: the catalog (procedures with their documents, fees, deadline and desks; agencies) and
dossiers (a summary for lists; the detail with the applicant's personal data, checklist, files and timeline;
events of the feed). Read-only: writes take their input from api/submissions.py."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.selectors import SUMMARY_COLUMNS, SUMMARY_DATETIMES, dossier_timeline, national_status_of
from dossiers.actions import ACTIONS
from dossiers.models import AttachmentPurpose, Channel, Outcome, ResultDelivery, State, Timeliness
from procedures.models import (
    AgencyKind,
    DeadlineUnit,
    DocumentCopyKind,
    OnlineLevel,
    ProcedureLevel,
    ResultType,
)


@extend_schema_field({"type": "string", "pattern": r"^\d{2}:\d{2}:\d{2}$", "example": "07:30:00",
                     "description": "Giờ địa phương (Việt Nam), HH:MM:SS."})
class LocalTimeField(serializers.TimeField):
    """A wall-clock time of the agency's day: not an RFC 3339 time (which needs an offset), so a plain pattern."""


# ---------------------------------------------------------------- catalog
class AgencyRefSerializer(serializers.Serializer):
    identifier = serializers.CharField(help_text=_("Mã định danh điện tử (Quyết định 20/2020/QĐ-TTg)."))
    name = serializers.CharField()


class WorkingHoursSerializer(serializers.Serializer):
    morning_open = LocalTimeField()
    morning_close = LocalTimeField()
    afternoon_open = LocalTimeField()
    afternoon_close = LocalTimeField()


class AgencySerializer(serializers.Serializer):
    identifier = serializers.CharField(help_text=_("Mã định danh điện tử (Quyết định 20/2020/QĐ-TTg)."))
    name = serializers.CharField()
    short_name = serializers.CharField()
    kind = serializers.ChoiceField(choices=AgencyKind.choices)
    parent = serializers.SerializerMethodField(help_text=_("Mã định danh của cơ quan cấp trên (null: cấp cao nhất)."))
    is_one_stop_desk = serializers.BooleanField(help_text=_("Là Bộ phận Một cửa (tiếp nhận và trả kết quả)."))
    address = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    working_hours = serializers.SerializerMethodField()
    valid_from = serializers.DateField(allow_null=True)
    valid_to = serializers.DateField(allow_null=True, help_text=_("Có giá trị: đơn vị đã giải thể hoặc sáp nhập."))

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_parent(self, agency) -> str | None:
        return agency.parent.identifier if agency.parent_id else None

    @extend_schema_field(WorkingHoursSerializer)
    def get_working_hours(self, agency) -> dict:
        return WorkingHoursSerializer(agency).data


class FieldRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class RequiredDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("Dùng trong `document_ids` khi nộp hồ sơ."))
    position = serializers.IntegerField()
    name = serializers.CharField()
    copy_kind = serializers.ChoiceField(choices=DocumentCopyKind.choices)
    count = serializers.IntegerField()
    mandatory = serializers.BooleanField()


class FeeSerializer(serializers.Serializer):
    description = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=0, coerce_to_string=False, allow_null=True,
                                      help_text=_("Mức thu (đồng); null khi tính theo cách ghi trong nội dung."))


class DeadlineSerializer(serializers.Serializer):
    amount = serializers.DecimalField(source="deadline_amount", max_digits=6, decimal_places=2,
                                      coerce_to_string=False)
    unit = serializers.ChoiceField(source="deadline_unit", choices=DeadlineUnit.choices)
    cutoff_time = LocalTimeField(allow_null=True, help_text=_(
        "Giờ chốt tiếp nhận: hồ sơ tiếp nhận từ giờ này được tính từ ngày làm việc tiếp theo."))
    text = serializers.CharField(source="deadline_display")
    note = serializers.CharField(source="deadline_note")


class ProcedureSerializer(serializers.Serializer):
    national_code = serializers.CharField(help_text=_("Mã thủ tục trên Cơ sở dữ liệu quốc gia về TTHC."))
    name = serializers.CharField()
    field = FieldRefSerializer()
    level = serializers.ChoiceField(choices=ProcedureLevel.choices)
    online_level = serializers.ChoiceField(choices=OnlineLevel.choices)
    competent_authority = serializers.CharField()
    deadline = DeadlineSerializer(source="*")
    documents = RequiredDocumentSerializer(many=True)
    fees = FeeSerializer(many=True)
    agencies = AgencyRefSerializer(many=True, help_text=_("Các Bộ phận Một cửa tiếp nhận thủ tục."))
    result_type = serializers.ChoiceField(choices=ResultType.choices)
    result_description = serializers.CharField()
    updated_at = serializers.DateTimeField()


class ProcessingTimeSerializer(serializers.Serializer):
    resolved = serializers.IntegerField(help_text=_("Số hồ sơ đã có kết quả trong 12 tháng gần nhất."))
    median_days = serializers.FloatField(help_text=_("Số ngày thường gặp (trung vị) từ tiếp nhận đến có kết quả."))
    p90_days = serializers.FloatField(help_text=_("90 % hồ sơ có kết quả trong số ngày này."))
    on_time_percent = serializers.IntegerField(help_text=_("Tỷ lệ hồ sơ đúng hạn (%)."))


class ProcedureDetailSerializer(ProcedureSerializer):
    description = serializers.CharField(help_text=_("Trình tự thực hiện."))
    requirements = serializers.CharField()
    legal_basis = serializers.CharField()
    effective_from = serializers.DateField(allow_null=True)
    effective_to = serializers.DateField(allow_null=True)
    processing_time = serializers.SerializerMethodField(help_text=_(
        "Thời gian giải quyết thực tế (như trang thủ tục công khai); null khi chưa có số liệu."))

    @extend_schema_field(ProcessingTimeSerializer(allow_null=True))
    def get_processing_time(self, procedure) -> dict | None:
        reality = self.context.get("processing_time")
        if reality is None:
            return None
        return {"resolved": reality.count, "median_days": float(str(reality.median_days).replace(",", ".")),
                "p90_days": float(str(reality.p90_days).replace(",", ".")),
                "on_time_percent": reality.on_time_percent}


# ---------------------------------------------------------------- dossiers
class ProcedureRefSerializer(serializers.Serializer):
    national_code = serializers.CharField()
    name = serializers.CharField()


class DossierSummarySerializer(serializers.Serializer):
    code = serializers.CharField()
    url = serializers.SerializerMethodField()
    procedure = ProcedureRefSerializer()
    receiving_agency = AgencyRefSerializer(help_text=_("Nơi tiếp nhận."))
    handling_agency = AgencyRefSerializer(help_text=_("Cơ quan đang giữ hồ sơ."))
    competent_agency = AgencyRefSerializer(help_text=_("Cơ quan có thẩm quyền giải quyết."))
    channel = serializers.ChoiceField(choices=Channel.choices, help_text=_("Kênh nộp (mã quốc gia)."))
    state = serializers.ChoiceField(choices=State.choices)
    national_status_code = serializers.IntegerField(help_text=_("Mã trạng thái đồng bộ quốc gia, 1–10."))
    version = serializers.IntegerField(help_text=_("Tăng sau mỗi thao tác; gửi lại khi bổ sung để tránh ghi đè."))
    submitted_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    appointment_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    returned_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_blank=True)
    timeliness = serializers.ChoiceField(choices=Timeliness.choices, allow_blank=True)

    @extend_schema_field(OpenApiTypes.STR)
    def get_url(self, dossier) -> str:
        return reverse("api:dossier-detail", args=[dossier.code])

    # Lists serialise many dossiers: the fields above describe them (the schema), `summaries` writes them from the
    # rows' values, without model instances or DRF's field-by-field walk (several times faster).
    def to_representation(self, dossier) -> dict:
        return summaries([dossier_values(dossier)])[0]


def dossier_values(dossier) -> dict:
    """A dossier as the row of values a list reads (SUMMARY_COLUMNS)."""
    row = {name: getattr(dossier, name) for name in SUMMARY_COLUMNS if "__" not in name}
    for relation in ("procedure", "receiving_agency", "handling_agency", "competent_agency"):
        related = getattr(dossier, relation)
        for name in ("national_code", "name") if relation == "procedure" else ("identifier", "name"):
            row[f"{relation}__{name}"] = getattr(related, name)
    return row


def summaries(rows) -> list[dict]:
    """Dossier summaries from rows of values (QuerySet.values(*SUMMARY_COLUMNS))."""
    prefix = reverse("api:dossiers")
    zone = timezone.get_current_timezone()

    def when(value):
        return None if value is None else value.astimezone(zone).isoformat()

    def agency(row, relation):
        return {"identifier": row[f"{relation}__identifier"], "name": row[f"{relation}__name"]}

    return [{
        "code": row["code"], "url": f"{prefix}{row['code']}/",
        "procedure": {"national_code": row["procedure__national_code"], "name": row["procedure__name"]},
        "receiving_agency": agency(row, "receiving_agency"), "handling_agency": agency(row, "handling_agency"),
        "competent_agency": agency(row, "competent_agency"), "channel": row["channel"], "state": row["state"],
        "national_status_code": national_status_of(row["state"]), "version": row["version"],
        **{name: when(row[name]) for name in SUMMARY_DATETIMES},
        "outcome": row["outcome"], "timeliness": row["timeliness"],
    } for row in rows]


class ApplicantSerializer(serializers.Serializer):
    """Personal data: only with the scope dossiers:read."""

    is_organisation = serializers.BooleanField(source="applicant_is_organisation")
    name = serializers.CharField(source="applicant_name")
    id_number = serializers.CharField(source="applicant_id_number")
    birth_date = serializers.DateField(source="applicant_birth_date", allow_null=True)
    phone = serializers.CharField(source="applicant_phone")
    email = serializers.CharField(source="applicant_email")
    address = serializers.CharField(source="applicant_address")
    authorised_name = serializers.CharField()
    authorised_id_number = serializers.CharField()
    authorised_phone = serializers.CharField()


class ChecklistLineSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    name = serializers.CharField()
    copy_kind = serializers.ChoiceField(choices=DocumentCopyKind.choices)
    count = serializers.IntegerField()
    mandatory = serializers.BooleanField()
    provided = serializers.BooleanField()


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    purpose = serializers.ChoiceField(choices=AttachmentPurpose.choices)
    document_position = serializers.IntegerField(source="document.position", allow_null=True, default=None)
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()


class SupplementRequestSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    before_reception = serializers.BooleanField()
    items = serializers.ListField(child=serializers.CharField(), help_text=_("Những gì cần bổ sung."))
    reason = serializers.CharField()
    requested_at = serializers.DateTimeField()


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("Tăng dần; vị trí trong luồng sự kiện."))
    dossier = serializers.CharField(source="dossier_code", help_text=_("Mã hồ sơ."))
    action = serializers.CharField()
    action_label = serializers.CharField()
    from_state = serializers.ChoiceField(choices=State.choices, allow_blank=True)
    to_state = serializers.ChoiceField(choices=State.choices)
    national_status_code = serializers.SerializerMethodField()
    from_agency = serializers.CharField(source="from_agency_identifier", allow_null=True)
    to_agency = serializers.CharField(source="to_agency_identifier", allow_null=True)
    note = serializers.CharField()
    at = serializers.DateTimeField()
    step_timeliness = serializers.ChoiceField(choices=Timeliness.choices, allow_blank=True)

    @extend_schema_field(OpenApiTypes.INT)
    def get_national_status_code(self, event) -> int:
        return national_status_of(event.to_state)

    def to_representation(self, event) -> dict:
        return events_of([event])[0]


def events_of(rows) -> list[dict]:
    """Events from rows of values (api.selectors.EVENT_COLUMNS), as EventSerializer describes them."""
    zone = timezone.get_current_timezone()
    result = []
    for row in rows:
        entry = ACTIONS.get(row["action"])
        result.append({
            "id": row["id"], "dossier": row["dossier_code"], "action": row["action"],
            "action_label": str(entry.label) if entry is not None else row["action"],
            "from_state": row["from_state"], "to_state": row["to_state"],
            "national_status_code": national_status_of(row["to_state"]),
            "from_agency": row["from_agency_identifier"], "to_agency": row["to_agency_identifier"],
            "note": row["note"], "at": row["at"].astimezone(zone).isoformat(),
            "step_timeliness": row["step_timeliness"]})
    return result


class DossierDetailSerializer(DossierSummarySerializer):
    def to_representation(self, dossier) -> dict:
        """The summary, then DRF's walk over the detail's own fields."""
        data = summaries([dossier_values(dossier)])[0]
        for field in self._readable_fields:
            if field.field_name not in data:
                attribute = field.get_attribute(dossier)
                data[field.field_name] = None if attribute is None else field.to_representation(attribute)
        return data

    applicant = ApplicantSerializer(source="*")
    request_text = serializers.CharField()
    set_count = serializers.IntegerField()
    requested_delivery = serializers.ChoiceField(choices=ResultDelivery.choices, allow_blank=True)
    result_delivery = serializers.ChoiceField(choices=ResultDelivery.choices, allow_blank=True)
    decision_reason = serializers.CharField()
    documents = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    pending_supplement = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField(help_text=_("Toàn bộ quá trình xử lý, theo thời gian."))

    @extend_schema_field(ChecklistLineSerializer(many=True))
    def get_documents(self, dossier) -> list:
        return ChecklistLineSerializer(dossier.documents.order_by("position", "id"), many=True).data

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, dossier) -> list:
        rows = dossier.attachments.select_related("document").order_by("uploaded_at", "id")
        return AttachmentSerializer(rows, many=True).data

    @extend_schema_field(SupplementRequestSerializer(allow_null=True))
    def get_pending_supplement(self, dossier) -> dict | None:
        if dossier.state != State.SUPPLEMENT_REQUESTED:
            return None
        row = dossier.supplement_requests.filter(answered_at__isnull=True).order_by("-requested_at").first()
        return SupplementRequestSerializer(row).data if row is not None else None

    @extend_schema_field(EventSerializer(many=True))
    def get_events(self, dossier) -> list:
        return events_of(dossier_timeline(dossier))


class EventPageSerializer(serializers.Serializer):
    next = serializers.CharField(help_text=_("Địa chỉ của trang tiếp theo: luôn có, kể cả khi trang này trống."))
    cursor = serializers.CharField(help_text=_("Vị trí để đọc tiếp (lưu lại và gửi ở lần gọi sau)."))
    caught_up = serializers.BooleanField(help_text=_(
        "true: đã đọc hết, chờ một lúc rồi gọi lại `next`; false: gọi `next` ngay (trang có thể ít hơn "
        "page_size sự kiện, kể cả trống, mà vẫn chưa hết)."))
    results = EventSerializer(many=True)
