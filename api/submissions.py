"""Writes through the API, with the portal's checks and the portal's services: an online submission with its files
(dossiers.services.dossier_submit_online) and the applicant's answer to a supplement request
(dossiers.services.dossier_answer_supplement, actor APPLICANT). Every file is checked in full by dossiers.uploads
before anything is written; a refused file is a 400 problem naming it, and nothing is created."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers

from accounts.validators import ID_NUMBER_RE, clean_phone
from api.models import ApiClient
from api.selectors import client_agency_ids
from core.errors import TransitionRefused
from dossiers import services
from dossiers.models import Dossier, ResultDelivery, State
from procedures.models import Procedure

REQUIRED = gettext_lazy("Vui lòng nhập %(label)s.")


def _required(label) -> dict:
    return {"required": REQUIRED % {"label": label}, "blank": REQUIRED % {"label": label}}


class SubmissionSerializer(serializers.Serializer):
    """An online submission (multipart/form-data): the applicant, and one file per entry of `files`, each for
    the checklist document at the same place in `document_ids`."""

    procedure = serializers.CharField(max_length=60, error_messages=_required(gettext_lazy("mã thủ tục")),
                                      help_text=gettext_lazy("Mã thủ tục (national_code)."))
    agency = serializers.CharField(max_length=35, error_messages=_required(gettext_lazy("nơi nộp hồ sơ")),
                                   help_text=gettext_lazy("Mã định danh của Bộ phận Một cửa tiếp nhận."))
    applicant_name = serializers.CharField(max_length=255, error_messages=_required(gettext_lazy("họ và tên")))
    applicant_id_number = serializers.CharField(
        max_length=20, error_messages=_required(gettext_lazy("số định danh cá nhân (12 chữ số)")))
    applicant_birth_date = serializers.DateField(required=False, allow_null=True)
    applicant_phone = serializers.CharField(max_length=20,
                                            error_messages=_required(gettext_lazy("số điện thoại di động")))
    applicant_email = serializers.EmailField(required=False, allow_blank=True, max_length=254, error_messages={
        "invalid": gettext_lazy("Địa chỉ thư điện tử không hợp lệ.")})
    applicant_address = serializers.CharField(max_length=500, error_messages=_required(gettext_lazy("địa chỉ liên hệ")))
    request_text = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    requested_delivery = serializers.ChoiceField(choices=ResultDelivery.choices, required=False, allow_blank=True,
                                                 help_text=gettext_lazy("Mặc định: trực tuyến (bản điện tử)."))
    document_ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
                                         required=False, default=list, help_text=gettext_lazy(
                                             "Với mỗi tệp trong `files` (cùng thứ tự): id của giấy tờ trong "
                                             "thành phần hồ sơ của thủ tục (`documents[].id`)."))
    files = serializers.ListField(child=serializers.FileField(allow_empty_file=True, use_url=False), required=False,
                                  default=list, help_text=gettext_lazy("Tệp PDF, JPEG hoặc PNG."))

    def validate_applicant_id_number(self, value):
        value = value.strip()
        if not ID_NUMBER_RE.match(value) or len(value) != 12:
            raise serializers.ValidationError(_("Số định danh cá nhân gồm đúng 12 chữ số (in trên thẻ căn cước)."))
        return value

    def validate_applicant_phone(self, value):
        try:
            return clean_phone(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(list(exc.messages)) from exc

    def validate(self, data):
        procedure = Procedure.objects.active().exclude(online_level="none").filter(
            national_code=data["procedure"]).first()
        if procedure is None:
            raise serializers.ValidationError({"procedure": [_("Không có thủ tục trực tuyến đang áp dụng với mã này.")]})
        agency = procedure.agencies.filter(identifier=data["agency"], is_one_stop_desk=True).first()
        if agency is None:
            raise serializers.ValidationError({"agency": [_("Thủ tục này không được tiếp nhận tại cơ quan này.")]})
        ids, files = data["document_ids"], data["files"]
        if len(ids) != len(files):
            raise serializers.ValidationError({"document_ids": [
                _("Cần đúng một id giấy tờ cho mỗi tệp: %(ids)s id cho %(files)s tệp.") % {
                    "ids": len(ids), "files": len(files)}]})
        documents = {doc.pk: doc for doc in procedure.documents.all()}
        unknown = sorted(set(ids) - set(documents))
        if unknown:
            raise serializers.ValidationError({"document_ids": [
                _("Không có giấy tờ %(ids)s trong thành phần hồ sơ của thủ tục.") % {
                    "ids": ", ".join(map(str, unknown))}]})
        missing = [doc.name for doc in documents.values() if doc.mandatory and doc.pk not in ids]
        if missing:
            raise serializers.ValidationError({"files": [_("Còn thiếu giấy tờ bắt buộc: %(names)s.") % {
                "names": "; ".join(missing)}]})
        return {**data, "procedure": procedure, "agency": agency}


def submit_online(*, client: ApiClient, data: dict) -> Dossier:
    """The portal's online submission for a desk of the client's agencies (403 for any other desk)."""
    if data["agency"].pk not in client_agency_ids(client):
        raise exceptions.PermissionDenied(_("Hệ thống không được nộp hồ sơ tại %(agency)s.") % {
            "agency": data["agency"].name})
    applicant = services.ApplicantData(
        name=data["applicant_name"], id_number=data["applicant_id_number"], phone=data["applicant_phone"],
        email=data.get("applicant_email", ""), address=data["applicant_address"],
        birth_date=data.get("applicant_birth_date"))
    uploads = [services.Upload(file, document_id) for file, document_id in zip(data["files"], data["document_ids"],
                                                                               strict=True)]
    return services.dossier_submit_online(
        procedure=data["procedure"], receiving_agency=data["agency"], applicant=applicant, uploads=uploads,
        request_text=data.get("request_text", ""),
        requested_delivery=data.get("requested_delivery") or ResultDelivery.ELECTRONIC)


class SupplementAnswerSerializer(serializers.Serializer):
    """The applicant's answer to a supplement request (multipart/form-data)."""

    note = serializers.CharField(required=False, allow_blank=True, max_length=5000,
                                 help_text=gettext_lazy("Ghi chú cho cán bộ."))
    files = serializers.ListField(child=serializers.FileField(allow_empty_file=True, use_url=False), min_length=1,
                                  error_messages={"min_length": gettext_lazy(
                                      "Hãy đính kèm ít nhất một tệp giấy tờ bổ sung."), "required": gettext_lazy(
                                      "Hãy đính kèm ít nhất một tệp giấy tờ bổ sung.")})
    version = serializers.IntegerField(required=False, min_value=0, max_value=2**31 - 1, help_text=gettext_lazy(
        "Phiên bản hồ sơ đã đọc (`version`): hồ sơ đã đổi từ đó thì bị từ chối (409)."))


def answer_supplement(*, dossier: Dossier, data: dict) -> Dossier:
    if dossier.state != State.SUPPLEMENT_REQUESTED:
        raise TransitionRefused(_("Hồ sơ hiện không có yêu cầu bổ sung nào đang chờ."))
    return services.dossier_answer_supplement(
        dossier=dossier, actor=services.APPLICANT, note=data.get("note", ""),
        uploads=[services.Upload(file) for file in data["files"]], expected_version=data.get("version"))
