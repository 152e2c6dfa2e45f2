"""Dossiers for authorised clients: the list (cursor pages), one dossier with its timeline, online submission, the
answer to a supplement request, and the feed of events. A client sees and writes only the dossiers of its
agencies (api.selectors.dossiers_visible_to_client); any other dossier answers 404, exactly like one that does not
exist."""

import base64
import binascii

from django.conf import settings
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from api import submissions
from api.base import ApiView, DossierCursor, problems
from api.models import Scope
from api.selectors import client_dossier, client_dossiers, event_feed, states_of_status
from api.serializers import (
    DossierDetailSerializer,
    DossierSummarySerializer,
    EventPageSerializer,
    events_of,
    summaries,
)
from dossiers.models import Dossier, State
from procedures.models import Agency

DOSSIERS = "Hồ sơ"
EVENTS = "Luồng sự kiện"


class DossierFilters(serializers.Serializer):
    agency = serializers.CharField(required=False, max_length=35, help_text=gettext_lazy(
        "Mã định danh: hồ sơ tiếp nhận tại hoặc đang xử lý tại cơ quan này."))
    state = serializers.ChoiceField(choices=State.choices, required=False)
    status = serializers.IntegerField(required=False, min_value=1, max_value=10, help_text=gettext_lazy(
        "Mã trạng thái đồng bộ quốc gia (1–10)."))
    procedure = serializers.CharField(required=False, max_length=60, help_text=gettext_lazy("Mã thủ tục."))
    submitted_from = serializers.DateField(required=False, help_text=gettext_lazy("Nộp từ ngày (giờ Việt Nam)."))
    submitted_to = serializers.DateField(required=False, help_text=gettext_lazy("Nộp đến hết ngày (giờ Việt Nam)."))

    def validate(self, data):
        start, end = data.get("submitted_from"), data.get("submitted_to")
        for name, day in (("submitted_from", start), ("submitted_to", end)):
            if day is not None and not 2000 <= day.year <= 2100:
                raise serializers.ValidationError({name: [_("Ngày phải trong khoảng 01/01/2000 – 31/12/2100.")]})
        if start and end and end < start:
            raise serializers.ValidationError({"submitted_to": [_("Ngày kết thúc phải sau ngày bắt đầu.")]})
        return data


class DossierList(ApiView):
    pagination_class = DossierCursor

    @property
    def required_scopes(self):
        request = getattr(self, "request", None)
        return [Scope.DOSSIERS_WRITE] if request is not None and request.method == "POST" else [Scope.DOSSIERS_READ]

    @extend_schema(tags=[DOSSIERS], operation_id="dossiers_list",
                   summary="Hồ sơ của các cơ quan của hệ thống (mới nhất trước)",
                   description=str(gettext_lazy(
                       "Hồ sơ tiếp nhận tại, đang xử lý tại hoặc đã chuyển qua các cơ quan của hệ thống (như phạm vi "
                       "của cán bộ). Trang theo con trỏ: gọi lần lượt địa chỉ `next`; thứ tự không đổi nên không "
                       "sót, không lặp hồ sơ, kể cả khi có hồ sơ mới (hồ sơ mới ở đầu danh sách).")),
                   parameters=[DossierFilters], responses={200: DossierSummarySerializer(many=True),
                                                           **problems()})
    def get(self, request):
        filters = DossierFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        agency_id = None
        if data.get("agency"):
            agency_id = Agency.objects.filter(identifier=data["agency"]).values_list("id", flat=True).first() or -1
        states = [data["state"]] if data.get("state") else []
        if data.get("status"):
            by_status = states_of_status(data["status"])
            states = [s for s in states if s in by_status] if states else by_status
            states = states or ["-"]
        qs = client_dossiers(request.user, agency_id=agency_id, states=states,
                             procedure_code=data.get("procedure", ""), submitted_from=data.get("submitted_from"),
                             submitted_to=data.get("submitted_to"))
        return self.get_paginated_response(summaries(self.paginate_queryset(qs)))

    @extend_schema(tags=[DOSSIERS], summary="Nộp hồ sơ trực tuyến kèm tệp (như cổng dịch vụ công)",
                   description=str(gettext_lazy(
                       "Cùng kiểm tra và cùng nghiệp vụ như nộp trên cổng: mỗi tệp được kiểm tra toàn bộ nội dung "
                       "(PDF, JPEG, PNG) trước khi ghi; một tệp bị từ chối thì không tạo gì và lỗi nói rõ lý do. "
                       "Mỗi tệp trong `files` ứng với id giấy tờ cùng vị trí trong `document_ids`.")),
                   request={"multipart/form-data": submissions.SubmissionSerializer},
                   responses={201: DossierDetailSerializer, **problems(415)})
    def post(self, request):
        payload = submissions.SubmissionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        dossier = submissions.submit_online(client=request.user, data=payload.validated_data)
        dossier = client_dossier(request.user, code=dossier.code)
        url = reverse("api:dossier-detail", args=[dossier.code])
        return Response(DossierDetailSerializer(dossier).data, status=201, headers={"Location": url})


class DossierView(ApiView):
    pagination_class = None

    def dossier(self, code: str) -> Dossier:
        try:
            return client_dossier(self.request.user, code=code)
        except Dossier.DoesNotExist as exc:
            raise Http404 from exc


class DossierDetail(DossierView):
    required_scopes = [Scope.DOSSIERS_READ]

    @extend_schema(tags=[DOSSIERS], summary="Một hồ sơ: người nộp, thành phần, tệp, quá trình xử lý",
                   responses={200: DossierDetailSerializer, **problems(404)})
    def get(self, request, code: str):
        return Response(DossierDetailSerializer(self.dossier(code)).data)


class SupplementAnswer(DossierView):
    required_scopes = [Scope.DOSSIERS_WRITE]

    @extend_schema(tags=[DOSSIERS], summary="Người nộp bổ sung hồ sơ theo yêu cầu (kèm tệp)",
                   request={"multipart/form-data": submissions.SupplementAnswerSerializer},
                   responses={200: DossierDetailSerializer, **problems(404, 409, 415)})
    def post(self, request, code: str):
        dossier = self.dossier(code)
        payload = submissions.SupplementAnswerSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        submissions.answer_supplement(dossier=dossier, data=payload.validated_data)
        return Response(DossierDetailSerializer(self.dossier(code)).data)


# ---------------------------------------------------------------- the event feed
def encode_position(after: int) -> str:
    return base64.urlsafe_b64encode(f"e:{after}".encode()).decode().rstrip("=")


def decode_position(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    kind, _sep, number = text.partition(":")
    if kind != "e" or not number.isascii() or not number.isdigit() or len(number) > 18:
        raise serializers.ValidationError({"cursor": [_("Con trỏ phân trang không hợp lệ.")]})
    return int(number)


class FeedParameters(serializers.Serializer):
    cursor = serializers.CharField(required=False, max_length=40, help_text=gettext_lazy(
        "Vị trí trả về ở lần đọc trước (`cursor`); bỏ trống: từ đầu."))
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=1000, help_text=gettext_lazy(
        "Số sự kiện tối đa mỗi trang (mặc định API_PAGE_SIZE, tối đa API_MAX_PAGE_SIZE)."))


class EventFeed(ApiView):
    required_scopes = [Scope.DOSSIERS_READ]
    pagination_class = None

    @extend_schema(tags=[EVENTS], summary="Luồng sự kiện hồ sơ: đọc lần lượt, không sót, không lặp",
                   description=str(gettext_lazy(
                       "Lần đầu gọi không có `cursor`; sau đó luôn gọi lại địa chỉ `next` (hoặc gửi `cursor`). "
                       "Mỗi sự kiện thuộc các cơ quan của hệ thống được trả đúng một lần, theo thứ tự id tăng dần, "
                       "kể cả khi sự kiện mới đang được ghi. Khi `caught_up` là true thì đã đọc hết: chờ rồi gọi "
                       "lại `next`; khi false thì gọi `next` ngay.")),
                   parameters=[FeedParameters],
                   responses={200: EventPageSerializer, **problems()})
    def get(self, request):
        params = FeedParameters(data=request.query_params)
        params.is_valid(raise_exception=True)
        after = decode_position(params.validated_data["cursor"]) if params.validated_data.get("cursor") else 0
        page_size = params.validated_data.get("page_size")
        limit = min(page_size or settings.ONECUA["API_PAGE_SIZE"], settings.ONECUA["API_MAX_PAGE_SIZE"])
        page = event_feed(request.user, after=after, limit=limit)
        cursor = encode_position(page.after)
        url = f"{reverse('api:events')}?cursor={cursor}" + (f"&page_size={page_size}" if page_size else "")
        return Response({"next": url, "cursor": cursor, "caught_up": page.caught_up,
                         "results": events_of(page.events)})
