"""Forms of the signed results: the public verification upload and the admin's signing certificate."""

from django import forms
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from printing import keys
from printing.models import SigningCertificate

MAX_KEY_FILE_BYTES = 256 * 1024  # a PKCS#12 file with its chain is a few KB


def verify_max_bytes() -> int:
    return settings.ONECUA.get("VERIFY_MAX_BYTES", settings.ONECUA["MAX_UPLOAD_BYTES"])


class VerifyForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Tệp PDF cần kiểm tra"),
                           help_text=gettext_lazy("Tệp kết quả điện tử (PDF) đã ký số mà bạn nhận được."))

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        limit = verify_max_bytes()
        if uploaded.size > limit:
            raise forms.ValidationError(_("Tệp quá lớn (tối đa %(mb)s MB).") % {"mb": limit // (1024 * 1024)})
        return uploaded

    def data_of_file(self) -> bytes:
        uploaded = self.cleaned_data["file"]
        uploaded.seek(0)
        return uploaded.read()


class SigningCertificateForm(forms.ModelForm):
    """The PKCS#12 file is read with the password its variable holds and refused, with the reason, when it is not
    PKCS#12, the password is wrong or missing, the certificate has expired or is not valid yet, or it does not
    chain to a trust root (SIGNING_TRUST_ROOTS): a trial signature is made and verified as a citizen's would be."""

    upload = forms.FileField(
        label=gettext_lazy("Tệp chứng thư số (.p12, .pfx)"), required=False,
        help_text=gettext_lazy("Tệp PKCS#12 do tổ chức chứng thực cấp, gồm khóa bí mật và chứng thư số của cơ quan. "
                               "Để trống khi chỉ sửa các thông tin khác."))

    class Meta:
        model = SigningCertificate
        fields = ("agency", "upload", "password_source", "is_active")

    def clean(self):
        data = super().clean()
        upload, source = data.get("upload"), data.get("password_source")
        self._raw = None
        if upload is None and self.instance.pk is None:
            self.add_error("upload", _("Hãy chọn tệp chứng thư số."))
            return data
        if not source or self.errors:
            return data
        if upload is None and "password_source" not in self.changed_data:
            return data  # the file and its password are as they were (deactivating an expired one stays possible)
        if upload is not None:
            if upload.size > MAX_KEY_FILE_BYTES:
                self.add_error("upload", _("Tệp quá lớn để là một chứng thư số."))
                return data
            upload.seek(0)
            raw = upload.read()
        else:  # the stored file, with a possibly new password variable
            with self.instance.file.open("rb") as handle:
                raw = handle.read()
        try:
            material = keys.check_key(raw, source)
            self._trial(raw, source)
        except keys.KeyProblem as problem:
            self.add_error("upload" if upload is not None else "password_source", problem.message)
            return data
        self._raw, self._material = raw, material
        return data

    def _trial(self, raw: bytes, source: str) -> None:
        from pyhanko.sign.signers import SimpleSigner

        from printing.documents import html_to_pdf
        from printing.signing import Appearance, sign_pdf
        from printing.verification import verify_pdf

        signer = SimpleSigner.load_pkcs12_data(raw, other_certs=[], passphrase=keys.password_for(source))
        info = keys.certificate_info(keys.read_pkcs12(raw, keys.password_for(source)).certificate)
        blank = html_to_pdf("<!doctype html><html><body><p>.</p></body></html>")
        signed = sign_pdf(blank, signer=signer, reason="", location="",
                          appearance=Appearance(info.common_name, "", timezone.now(), "about:blank"))
        verdict = verify_pdf(signed)
        if not verdict.valid:
            raise keys.KeyProblem(verdict.reason, _("Chứng thư số không dùng được để ký kết quả: %(why)s") % {
                "why": verdict.message})

    def save(self, commit=True):
        instance = super().save(commit=False)
        if self._raw is not None:
            keys.fill_from(instance, self._material)
            if self.cleaned_data.get("upload") is not None:
                instance.file.save("key.p12", ContentFile(self._raw), save=False)
        if commit:
            instance.save()
        return instance
