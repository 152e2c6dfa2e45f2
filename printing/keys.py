"""Signing keys: the agencies' PKCS#12 files read with their passwords, checked, installed, and loaded for
signing (printing/signing.py). The password never enters the database: it is read, when needed, from the
environment variable the certificate names, or from settings.SIGNING_KEY_PASSWORDS (the demo's)."""

import hashlib
import os
import threading
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from printing.models import PASSWORD_SOURCE, SigningCertificate


class KeyProblem(Exception):
    """A PKCS#12 file that cannot sign: `code` says why (not_pkcs12, no_password, wrong_password, no_key,
    expired, not_yet_valid), the message says it in Vietnamese."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class CertificateInfo:
    subject: str
    common_name: str
    issuer: str
    serial: str
    fingerprint: str
    not_before: datetime
    not_after: datetime


@dataclass(frozen=True)
class KeyMaterial:
    key: object  # a cryptography private key
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]


def password_for(source: str) -> bytes | None:
    """The password named `source` (ONECUA_SIGNING_…, nothing else): the environment first, then
    settings.SIGNING_KEY_PASSWORDS."""
    try:
        PASSWORD_SOURCE(source)
    except ValidationError:
        return None
    value = os.environ.get(source)
    if value is None:
        value = (getattr(settings, "SIGNING_KEY_PASSWORDS", None) or {}).get(source)
    return None if value is None else value.encode()


def read_pkcs12(data: bytes, password: bytes | None) -> KeyMaterial:
    """The key, its certificate and the chain in a PKCS#12 file, or KeyProblem saying precisely what is wrong."""
    try:
        asn1_pkcs12.Pfx.load(data).native  # noqa: B018 - parse the whole structure: is it PKCS#12 at all?
    except Exception:  # noqa: BLE001 - asn1crypto raises several kinds on garbage
        raise KeyProblem("not_pkcs12", _("Tệp không phải chứng thư số dạng PKCS#12 (.p12, .pfx).")) from None
    if password is None:
        raise KeyProblem("no_password", _("Chưa có mật khẩu: biến môi trường đã khai báo chưa được đặt."))
    try:
        key, certificate, chain = pkcs12.load_key_and_certificates(data, password)
    except ValueError:
        raise KeyProblem("wrong_password", _("Sai mật khẩu của tệp chứng thư số.")) from None
    if key is None or certificate is None:
        raise KeyProblem("no_key", _("Tệp không chứa khóa bí mật và chứng thư số để ký."))
    if certificate.public_key().public_bytes(*_SPKI) != key.public_key().public_bytes(*_SPKI):
        raise KeyProblem("no_key", _("Khóa bí mật trong tệp không khớp với chứng thư số."))
    return KeyMaterial(key, certificate, tuple(chain))


_SPKI = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _common_name(name: x509.Name) -> str:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else name.rfc4514_string()


def certificate_info(certificate: x509.Certificate) -> CertificateInfo:
    return CertificateInfo(
        subject=certificate.subject.rfc4514_string()[:500],
        common_name=_common_name(certificate.subject),
        issuer=certificate.issuer.rfc4514_string()[:500],
        serial=format(certificate.serial_number, "X"),
        fingerprint=certificate.fingerprint(hashes.SHA256()).hex(),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
    )


def check_key(data: bytes, password_source: str, *, when: datetime | None = None) -> KeyMaterial:
    """What the admin's form and the demo accept: a PKCS#12 file its password opens, valid now."""
    material = read_pkcs12(data, password_for(password_source))
    info = certificate_info(material.certificate)
    when = when or timezone.now()
    if info.not_after < when:
        raise KeyProblem("expired", _("Chứng thư số đã hết hạn ngày %(date)s.") % {
            "date": timezone.localtime(info.not_after).strftime("%d/%m/%Y")})
    if info.not_before > when:
        raise KeyProblem("not_yet_valid", _("Chứng thư số chưa có hiệu lực (từ ngày %(date)s).") % {
            "date": timezone.localtime(info.not_before).strftime("%d/%m/%Y")})
    return material


def fill_from(certificate: SigningCertificate, material: KeyMaterial) -> SigningCertificate:
    info = certificate_info(material.certificate)
    certificate.subject, certificate.issuer, certificate.serial = info.subject, info.issuer, info.serial
    certificate.fingerprint, certificate.not_before, certificate.not_after = (
        info.fingerprint, info.not_before, info.not_after)
    return certificate


def install_certificate(*, agency, data: bytes, password_source: str, active: bool = True,
                        check: bool = True) -> SigningCertificate:
    """Store a PKCS#12 file in private storage as `agency`'s signing certificate (checked unless `check` is
    False: the tests install expired or foreign certificates on purpose)."""
    material = check_key(data, password_source) if check else read_pkcs12(data, password_for(password_source))
    certificate = fill_from(SigningCertificate(agency=agency, password_source=password_source, is_active=active),
                            material)
    certificate.file.save("key.p12", ContentFile(data), save=False)
    certificate.save()
    return certificate


def valid_certificate_of(agency_id: int | None, when: datetime | None = None) -> SigningCertificate | None:
    """The agency's active certificate valid at `when` (the one valid longest when several are)."""
    if agency_id is None:
        return None
    when = when or timezone.now()
    return (SigningCertificate.objects.filter(agency_id=agency_id, is_active=True, not_before__lte=when,
                                              not_after__gte=when).order_by("-not_after", "-id").first())


# ---------------------------------------------------------------- loaded keys, kept per process
_LOADED: dict[tuple, object] = {}
_LOCK = threading.Lock()
_MAX_LOADED = 64


def signer_for(certificate: SigningCertificate):
    """A pyHanko signer for the certificate, kept in this process (opening a PKCS#12 file costs a key
    derivation); KeyProblem when the file or its password no longer opens it."""
    from pyhanko.sign.signers import SimpleSigner

    password = password_for(certificate.password_source)
    cache_key = (certificate.pk, certificate.file.name, certificate.fingerprint,
                 hashlib.sha256(password or b"").hexdigest())
    with _LOCK:
        signer = _LOADED.get(cache_key)
    if signer is not None:
        return signer
    try:
        with certificate.file.open("rb") as handle:
            data = handle.read()
    except OSError:
        raise KeyProblem("no_file", _("Không đọc được tệp chứng thư số.")) from None
    read_pkcs12(data, password)  # the precise reason when it does not open
    signer = SimpleSigner.load_pkcs12_data(data, other_certs=[], passphrase=password)
    with _LOCK:
        if len(_LOADED) >= _MAX_LOADED:
            _LOADED.clear()
        _LOADED[cache_key] = signer
    return signer
