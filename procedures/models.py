"""The catalog (agencies, fields, procedures) and the working calendar's data."""

from datetime import time

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from procedures.text import SORT_KEY_MAX_LENGTH, fold, sort_key
from procedures.validators import validate_agency_identifier, validate_procedure_code


class AgencyKind(models.TextChoices):
    PROVINCE = "province", _("Tỉnh, thành phố")
    PROVINCE_CENTRE = "province_centre", _("Trung tâm Phục vụ hành chính công tỉnh")
    DEPARTMENT = "department", _("Sở, ban, ngành")
    COMMUNE = "commune", _("Xã, phường, đặc khu")
    COMMUNE_CENTRE = "commune_centre", _("Trung tâm Phục vụ hành chính công xã")
    DISTRICT = "district", _("Huyện (đơn vị cũ trước 01/7/2025)")
    OTHER = "other", _("Khác")


class Agency(models.Model):
    """A unit of the agency tree (any depth): province → departments, communes; old districts kept closed."""

    name = models.CharField(_("tên cơ quan"), max_length=255)
    short_name = models.CharField(_("tên viết tắt"), max_length=100, blank=True)
    identifier = models.CharField(
        _("mã định danh điện tử"),
        max_length=35,
        unique=True,
        validators=[validate_agency_identifier],
        help_text=_("Theo Quyết định 20/2020/QĐ-TTg, ví dụ H61 hoặc H61.22.10."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("cơ quan cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text=_("Để trống với cấp cao nhất (tỉnh)."),
    )
    kind = models.CharField(_("loại cơ quan"), max_length=20, choices=AgencyKind.choices, default=AgencyKind.OTHER)
    is_one_stop_desk = models.BooleanField(
        _("là Bộ phận Một cửa"), default=False, help_text=_("Có tiếp nhận và trả kết quả hồ sơ.")
    )
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    morning_open = models.TimeField(_("giờ mở cửa buổi sáng"), default=time(7, 0))
    morning_close = models.TimeField(_("giờ đóng cửa buổi sáng"), default=time(11, 30))
    afternoon_open = models.TimeField(_("giờ mở cửa buổi chiều"), default=time(13, 30))
    afternoon_close = models.TimeField(_("giờ đóng cửa buổi chiều"), default=time(17, 0))
    valid_from = models.DateField(_("hoạt động từ ngày"), null=True, blank=True)
    valid_to = models.DateField(
        _("hoạt động đến ngày"), null=True, blank=True, help_text=_("Điền khi đơn vị đã giải thể hoặc sáp nhập.")
    )

    class Meta:
        verbose_name = _("cơ quan, đơn vị")
        verbose_name_plural = _("cơ quan, đơn vị")
        ordering = ["identifier"]
        constraints = [
            models.CheckConstraint(
                condition=Q(morning_open__lt=models.F("morning_close"))
                & Q(morning_close__lte=models.F("afternoon_open"))
                & Q(afternoon_open__lt=models.F("afternoon_close")),
                name="agency_working_windows_ordered",
                violation_error_message=_("Giờ làm việc phải theo thứ tự: mở sáng < đóng sáng ≤ mở chiều < đóng chiều."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        if self.morning_open and self.morning_close and self.afternoon_open and self.afternoon_close:
            if not (self.morning_open < self.morning_close <= self.afternoon_open < self.afternoon_close):
                raise ValidationError(
                    _("Giờ làm việc phải theo thứ tự: mở sáng < đóng sáng ≤ mở chiều < đóng chiều.")
                )
        if self.parent_id and self.pk:
            node = self.parent
            while node is not None:
                if node.pk == self.pk:
                    raise ValidationError({"parent": _("Cơ quan cấp trên không được là chính nó hoặc cấp dưới của nó.")})
                node = node.parent

    @property
    def windows(self) -> tuple[tuple[time, time], ...]:
        return ((self.morning_open, self.morning_close), (self.afternoon_open, self.afternoon_close))

    def province(self) -> "Agency":
        """The top of this agency's tree (the province)."""
        node, seen = self, {self.pk}
        while node.parent_id is not None and node.parent_id not in seen:
            seen.add(node.parent_id)
            node = node.parent
        return node


class Field(models.Model):
    """Lĩnh vực: the sector a procedure belongs to."""

    code = models.CharField(_("mã lĩnh vực"), max_length=50, unique=True)
    name = models.CharField(_("tên lĩnh vực"), max_length=255)

    class Meta:
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProcedureLevel(models.TextChoices):
    CENTRAL = "central", _("Cấp trung ương")
    PROVINCE = "province", _("Cấp tỉnh")
    COMMUNE = "commune", _("Cấp xã")


class OnlineLevel(models.TextChoices):
    FULL = "full", _("Toàn trình")
    PARTIAL = "partial", _("Một phần")
    NONE = "none", _("Không cung cấp trực tuyến")


class DeadlineUnit(models.TextChoices):
    """Same values as procedures.worktime.Unit."""

    WORKING_HOURS = "working_hours", _("giờ làm việc")
    WORKING_DAYS = "working_days", _("ngày làm việc")
    CALENDAR_DAYS = "calendar_days", _("ngày")
    SAME_DAY = "same_day", _("trong ngày")


# The fields of a procedure that decide due times; a change to any of them means open dossiers are recomputed.
DEADLINE_FIELDS = frozenset({"deadline_amount", "deadline_unit", "cutoff_time"})


class ResultType(models.TextChoices):
    PAPER = "paper", _("Bản giấy")
    ELECTRONIC = "electronic", _("Bản điện tử")
    BOTH = "both", _("Bản giấy và bản điện tử")


# Procedure columns derived from others, for search and ordering, and what they are derived from.
SEARCH_SOURCE_FIELDS = frozenset({"national_code", "name"})
SEARCH_COLUMNS = frozenset({"search_text", "sort_key"})


class ProcedureQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def search(self, query: str):
        """Every word of the query, folded (no diacritics, any case), must appear in the code or name."""
        qs = self
        for word in fold(query).split():
            qs = qs.filter(search_text__contains=word)
        return qs

    # The columns derived from the name and code (search_text, sort_key) are written by Procedure.save(); the
    # bulk writes, which skip save(), keep them up to date here.

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.set_search_columns()
        update_fields = list(kwargs.get("update_fields") or [])
        if SEARCH_SOURCE_FIELDS & set(update_fields):  # update_conflicts=True
            kwargs["update_fields"] = [*update_fields, *SEARCH_COLUMNS - set(update_fields)]
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs, fields = list(objs), list(fields)
        if SEARCH_SOURCE_FIELDS & set(fields):
            for obj in objs:
                obj.set_search_columns()
            fields += SEARCH_COLUMNS - set(fields)
        return super().bulk_update(objs, fields, *args, **kwargs)

    def update(self, **kwargs):
        if not SEARCH_SOURCE_FIELDS & set(kwargs) or SEARCH_COLUMNS <= set(kwargs):
            return super().update(**kwargs)
        # A new name or code (a value or an expression): recompute the derived columns of the rows it changed.
        rows = self.model._base_manager.using(self.db)
        with transaction.atomic(using=self.db):
            pks = list(self.values_list("pk", flat=True))
            count = super().update(**kwargs)
            for start in range(0, len(pks), 500):
                changed = list(rows.filter(pk__in=pks[start : start + 500]).only("national_code", "name"))
                for procedure in changed:
                    procedure.set_search_columns()
                rows.bulk_update(changed, list(SEARCH_COLUMNS))
        return count

class Procedure(models.Model):
    national_code = models.CharField(
        _("mã thủ tục"),
        max_length=60,
        unique=True,
        validators=[validate_procedure_code],
        help_text=_("Mã trên Cơ sở dữ liệu quốc gia về TTHC, ví dụ 1.001193."),
    )
    name = models.CharField(_("tên thủ tục"), max_length=500)
    field = models.ForeignKey(Field, verbose_name=_("lĩnh vực"), on_delete=models.PROTECT, related_name="procedures")
    level = models.CharField(_("cấp thực hiện"), max_length=20, choices=ProcedureLevel.choices)
    competent_authority = models.CharField(
        _("cơ quan có thẩm quyền"), max_length=255, blank=True, help_text=_("Ví dụ: Ủy ban nhân dân cấp xã.")
    )
    agencies = models.ManyToManyField(
        Agency,
        verbose_name=_("nơi tiếp nhận"),
        blank=True,
        related_name="procedures",
        help_text=_("Các Bộ phận Một cửa tiếp nhận thủ tục này."),
    )
    online_level = models.CharField(
        _("mức độ dịch vụ công trực tuyến"), max_length=10, choices=OnlineLevel.choices, default=OnlineLevel.NONE
    )
    deadline_amount = models.DecimalField(
        _("thời hạn giải quyết"),
        max_digits=6,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("Số lượng theo đơn vị bên dưới; 0 với “trong ngày”."),
    )
    deadline_unit = models.CharField(_("đơn vị thời hạn"), max_length=20, choices=DeadlineUnit.choices)
    cutoff_time = models.TimeField(
        _("giờ chốt tiếp nhận"),
        null=True,
        blank=True,
        help_text=_("Hồ sơ tiếp nhận từ giờ này trở đi được tính từ ngày làm việc tiếp theo (ví dụ 15:00)."),
    )
    deadline_note = models.CharField(_("ghi chú thời hạn"), max_length=255, blank=True)
    description = models.TextField(_("trình tự thực hiện"), blank=True)
    requirements = models.TextField(_("yêu cầu, điều kiện"), blank=True)
    result_type = models.CharField(_("kết quả"), max_length=20, choices=ResultType.choices, default=ResultType.PAPER)
    result_description = models.CharField(_("tên kết quả"), max_length=255, blank=True)
    legal_basis = models.TextField(_("căn cứ pháp lý"), blank=True)
    effective_from = models.DateField(_("hiệu lực từ ngày"), null=True, blank=True)
    effective_to = models.DateField(_("hiệu lực đến ngày"), null=True, blank=True)
    is_active = models.BooleanField(_("đang áp dụng"), default=True)
    search_text = models.TextField(_("chuỗi tìm kiếm"), editable=False, blank=True, default="")
    # Vietnamese alphabetical order of the name (procedures.text.sort_key): digits only, the same on any database.
    sort_key = models.CharField(
        _("khóa sắp xếp"), max_length=SORT_KEY_MAX_LENGTH, editable=False, blank=True, default=""
    )
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    objects = ProcedureQuerySet.as_manager()

    class Meta:
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")
        ordering = ["national_code"]
        indexes = [
            # The catalog list without a query: active procedures in Vietnamese alphabetical order.
            models.Index(
                fields=["sort_key", "national_code"], condition=Q(is_active=True), name="procedure_catalog_order"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(deadline_unit="same_day") | Q(deadline_amount=0),
                name="procedure_same_day_amount_zero",
                violation_error_message=_("Thời hạn “trong ngày” phải có số lượng bằng 0."),
            ),
            models.CheckConstraint(condition=Q(deadline_amount__gte=0), name="procedure_deadline_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.national_code} – {self.name}"

    def save(self, *args, **kwargs):
        self.set_search_columns()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and SEARCH_SOURCE_FIELDS & set(update_fields):
            kwargs["update_fields"] = {*update_fields, *SEARCH_COLUMNS}
        super().save(*args, **kwargs)

    def set_search_columns(self) -> None:
        # Derived columns, so the diacritic-free search and the Vietnamese order work the same on SQLite and
        # PostgreSQL. search_text is "<code> <folded name>": codes have no spaces (validate_procedure_code).
        self.search_text = fold(f"{self.national_code} {self.name}")
        self.sort_key = sort_key(self.name)

    def clean(self):
        super().clean()
        if self.deadline_unit == DeadlineUnit.SAME_DAY and self.deadline_amount not in (None, 0):
            raise ValidationError({"deadline_amount": _("Thời hạn “trong ngày” phải có số lượng bằng 0.")})
        if self.deadline_unit != DeadlineUnit.SAME_DAY and not self.deadline_amount:
            raise ValidationError({"deadline_amount": _("Hãy nhập thời hạn lớn hơn 0.")})
        if self.effective_from and self.effective_to and self.effective_to < self.effective_from:
            raise ValidationError({"effective_to": _("Ngày hết hiệu lực phải sau ngày có hiệu lực.")})

    @property
    def deadline_display(self) -> str:
        from django.utils.formats import number_format

        if self.deadline_unit == DeadlineUnit.SAME_DAY:
            text = str(_("Trong ngày"))
        else:
            amount = self.deadline_amount.normalize() if self.deadline_amount is not None else 0
            text = f"{number_format(amount)} {DeadlineUnit(self.deadline_unit).label}"
        if self.cutoff_time:
            # The rule (worktime.clock_start): received BEFORE the cut-off, the clock starts that day; AT or after
            # it (11:30:00 sharp included), the next working day. "Before" / "from ... on" leave no doubt about
            # the cut-off minute itself, where "until" or "after" would.
            if self.deadline_unit == DeadlineUnit.SAME_DAY:
                note = _("(hồ sơ tiếp nhận trước %(time)s được giải quyết trong ngày; "
                         "tiếp nhận từ %(time)s trở đi được tính từ ngày làm việc tiếp theo)")
            else:
                note = _("(hồ sơ tiếp nhận trước %(time)s được tính từ lúc tiếp nhận; "
                         "tiếp nhận từ %(time)s trở đi được tính từ ngày làm việc tiếp theo)")
            text += " " + str(note) % {"time": _cutoff_text(self.cutoff_time)}
        return text


def _cutoff_text(value: time) -> str:
    """'11 giờ 30', '15 giờ' (in English '11:30', '15:00')."""
    if value.minute:
        return str(_("%(hour)d giờ %(minute)02d")) % {"hour": value.hour, "minute": value.minute}
    return str(_("%(hour)d giờ")) % {"hour": value.hour}


class DocumentCopyKind(models.TextChoices):
    ORIGINAL = "original", _("Bản chính")
    COPY = "copy", _("Bản sao")
    CERTIFIED_COPY = "certified_copy", _("Bản sao chứng thực")
    EITHER = "either", _("Bản chính hoặc bản sao")


class RequiredDocument(models.Model):
    procedure = models.ForeignKey(
        Procedure, verbose_name=_("thủ tục"), on_delete=models.CASCADE, related_name="documents"
    )
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=1)
    name = models.CharField(_("tên giấy tờ"), max_length=500)
    copy_kind = models.CharField(
        _("loại bản"), max_length=20, choices=DocumentCopyKind.choices, default=DocumentCopyKind.ORIGINAL
    )
    count = models.PositiveSmallIntegerField(_("số lượng"), default=1, validators=[MinValueValidator(1)])
    mandatory = models.BooleanField(_("bắt buộc"), default=True)

    class Meta:
        verbose_name = _("thành phần hồ sơ")
        verbose_name_plural = _("thành phần hồ sơ")
        ordering = ["procedure", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "position"], name="required_document_position_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class ProcedureFee(models.Model):
    procedure = models.ForeignKey(Procedure, verbose_name=_("thủ tục"), on_delete=models.CASCADE, related_name="fees")
    description = models.CharField(_("nội dung phí, lệ phí"), max_length=500)
    amount = models.DecimalField(
        _("mức thu (đồng)"),
        max_digits=14,
        decimal_places=0,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Để trống khi mức thu tính theo cách khác (ghi trong nội dung)."),
    )

    class Meta:
        verbose_name = _("phí, lệ phí")
        verbose_name_plural = _("phí, lệ phí")
        ordering = ["procedure", "id"]

    def __str__(self) -> str:
        return self.description


class CalendarExceptionKind(models.TextChoices):
    DAY_OFF = "day_off", _("Ngày nghỉ thêm")
    WORKING_DAY = "working_day", _("Ngày làm việc thêm (làm bù)")


class CalendarException(models.Model):
    """An administrator's change to the working calendar: an extra day off or an extra working day."""

    date = models.DateField(_("ngày"))
    kind = models.CharField(_("loại"), max_length=20, choices=CalendarExceptionKind.choices)
    note = models.CharField(
        _("ghi chú"), max_length=255, help_text=_("Căn cứ, ví dụ: Thông báo của Bộ Nội vụ về lịch nghỉ Tết 2027.")
    )
    province = models.ForeignKey(
        Agency,
        verbose_name=_("phạm vi tỉnh"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendar_exceptions",
        limit_choices_to={"parent__isnull": True},
        help_text=_("Để trống nếu áp dụng toàn quốc."),
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("ngày nghỉ, ngày làm bù")
        verbose_name_plural = _("ngày nghỉ, ngày làm bù")
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(
                fields=["date"], condition=Q(province__isnull=True), name="calendar_exception_national_date_unique"
            ),
            models.UniqueConstraint(
                fields=["date", "province"],
                condition=Q(province__isnull=False),
                name="calendar_exception_province_date_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} – {self.get_kind_display()}"


from procedures.process import ProcessStep  # noqa: E402,F401  (the process models live in their own module)
