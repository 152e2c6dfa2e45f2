"""/api/v1/figures/: the public figures of the transparency page /cong-khai/ (reports.processing.public_figures, the
same function the page renders), as data: per receiving desk and per procedure over the last whole months, how
many dossiers were resolved, how many early or on time, that share in percent (one decimal) and the usual
(median) number of calendar days from receipt to result. Counts only, no personal data; public like the catalog."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from api.base import problems
from api.catalog import CATALOG, CatalogView
from reports.processing import public_figures


class _Figure(serializers.Serializer):
    resolved = serializers.IntegerField(help_text=_("Số hồ sơ đã có kết quả trong kỳ."))
    on_time = serializers.IntegerField(help_text=_("Số hồ sơ có kết quả trước hạn hoặc đúng hạn."))
    on_time_rate = serializers.DecimalField(
        max_digits=4, decimal_places=1, coerce_to_string=False, allow_null=True,
        help_text=_("Tỷ lệ trước hạn hoặc đúng hạn, phần trăm (một chữ số thập phân)."))
    median_days = serializers.IntegerField(
        allow_null=True, help_text=_("Thời gian giải quyết thường gặp (trung vị), số ngày lịch từ khi tiếp nhận."))


class AgencyFigureSerializer(_Figure):
    identifier = serializers.CharField(source="key.identifier", help_text=_("Mã định danh của nơi tiếp nhận."))
    name = serializers.CharField(source="key.name")


class ProcedureFigureSerializer(_Figure):
    national_code = serializers.CharField(source="key.national_code", help_text=_("Mã thủ tục."))
    name = serializers.CharField(source="key.name")


class FiguresSerializer(serializers.Serializer):
    period_start = serializers.DateField(help_text=_("Ngày đầu kỳ (đầu tháng)."))
    period_end = serializers.DateField(help_text=_("Ngày cuối kỳ (cuối tháng trước)."))
    agencies = AgencyFigureSerializer(many=True, help_text=_("Theo nơi tiếp nhận, như trang /cong-khai/."))
    procedures = ProcedureFigureSerializer(many=True, help_text=_("Theo thủ tục, như trang /cong-khai/."))


class Figures(CatalogView):
    pagination_class = None
    serializer_class = FiguresSerializer

    @extend_schema(tags=[CATALOG], operation_id="figures_retrieve",
                   summary="Công khai kết quả giải quyết: tỷ lệ đúng hạn và thời gian thường gặp",
                   responses={200: FiguresSerializer, **problems()})
    def get(self, request):
        agencies, procedures, (start, end) = public_figures()
        return Response(FiguresSerializer({"period_start": start, "period_end": end, "agencies": agencies,
                                           "procedures": procedures}).data)
