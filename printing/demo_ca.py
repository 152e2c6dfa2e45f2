"""A small certification authority made with `cryptography`, for the demo (`load_demo`: `make run` signs out of
the box) and the tests. Production uses certificates issued by a real CA (e.g. the government's) and lists its
root certificates in SIGNING_TRUST_ROOTS; nothing here is used then."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class Authority:
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())

    @classmethod
    def from_pem(cls, certificate_pem: bytes, key_pem: bytes) -> "Authority":
        return cls(serialization.load_pem_private_key(key_pem, password=None),
                   x509.load_pem_x509_certificate(certificate_pem))


def _name(common_name: str, organisation: str = "") -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if organisation:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]))
    return x509.Name(parts)


def _usage(*, sign_documents: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=sign_documents, content_commitment=sign_documents,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=not sign_documents, crl_sign=not sign_documents, encipher_only=False,
                         decipher_only=False)


def make_authority(common_name: str, *, not_before: datetime, not_after: datetime) -> Authority:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(common_name, common_name)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(not_before).not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(sign_documents=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256()))
    return Authority(key, certificate)


def issue_pkcs12(authority: Authority, common_name: str, *, password: bytes, not_before: datetime,
                 not_after: datetime) -> bytes:
    """A signing certificate for `common_name` (an agency) issued by `authority`, with its new key, as a
    PKCS#12 file protected by `password` (the CA's certificate included, as real CAs deliver them)."""
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder().subject_name(_name(common_name, common_name))
        .issuer_name(authority.certificate.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(not_before).not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(sign_documents=True), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.key.public_key()),
                       critical=False)
        .sign(authority.key, hashes.SHA256()))
    return pkcs12.serialize_key_and_certificates(
        common_name[:64].encode(), key, certificate, [authority.certificate],
        serialization.BestAvailableEncryption(password))


def years_around(now: datetime, *, before_days: int = 1, years: int = 3) -> tuple[datetime, datetime]:
    return now - timedelta(days=before_days), now + timedelta(days=365 * years)
