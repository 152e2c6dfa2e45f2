"""The private files in an S3-protocol object store (moto's server on a loopback port): online submission →
staff download (streamed, then pre-signed) → signed result → tracking book, parked uploads, and the objects
never readable without a signature."""

from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import time_machine
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from core.storage import entries, touch
from dossiers import services
from dossiers.models import Attachment, Dossier
from dossiers.uploads import PARKED_DIR, remove_parked_uploads
from printing.models import ResultSignature, TrackingBookFile
from tests.builders import PDF_BYTES, PNG_BYTES, T_STEP, T_SUBMIT, at, upload
from tests.printing.conftest import PASSWORD, PASSWORD_SOURCE, signing_keys  # noqa: F401 - a fixture
from tests.storage import s3server

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rate_limits_left():
    cache.clear()


def keys_in(s3, bucket: str, prefix: str = "") -> list[str]:
    answer = s3.client().list_objects_v2(Bucket=bucket, Prefix=prefix)
    return sorted(item["Key"] for item in answer.get("Contents", ()))


def object_bytes(s3, bucket: str, key: str) -> bytes:
    return s3.client().get_object(Bucket=bucket, Key=key)["Body"].read()


def assert_private(s3, bucket: str, key: str) -> None:
    """No grant but the owner's, and a plain GET (no signature) is refused."""
    acl = s3.client().get_object_acl(Bucket=bucket, Key=key)
    assert all(grant["Grantee"].get("Type") == "CanonicalUser" for grant in acl["Grants"]), acl["Grants"]
    anonymous = requests.get(f"{s3.endpoint}/{bucket}/{key}", timeout=10)
    assert anonymous.status_code == 403 and PDF_BYTES[:5] not in anonymous.content


def submit_online(client, world) -> Dossier:
    url = reverse("portal:submit", args=[world.procedure.national_code])
    data = {"agency": world.desk.pk, "applicant_name": "Phạm Thị Ngọc Hương", "applicant_id_number": "079203004567",
            "applicant_phone": "0903 123 456", "applicant_address": "Ấp Bình Hòa, phường Một",
            f"file_{world.form.pk}": upload("to-khai.pdf", PDF_BYTES),
            f"file_{world.proxy.pk}": upload("uy-quyen.png", PNG_BYTES)}
    with at(T_SUBMIT):
        review = client.post(url, data)
        assert review.status_code == 200, review.content.decode()[:2000]
        done = client.post(reverse("portal:submit_confirm", args=[world.procedure.national_code]),
                           {"payload": review.context["payload"]})
    assert done.status_code == 302
    return Dossier.objects.get(applicant_name="Phạm Thị Ngọc Hương")


def staff_client(world) -> Client:
    client = Client()
    client.force_login(world.user("clerk@desk"))
    return client


def test_online_files_go_to_the_bucket_private_and_staff_download_them_streamed(client, world, s3, bucket):
    dossier = submit_online(client, world)
    attachments = list(Attachment.objects.filter(dossier=dossier).order_by("pk"))
    assert len(attachments) == 2
    stored = keys_in(s3, bucket)
    assert sorted(a.file.name for a in attachments) == stored  # the parked copies are gone
    assert not keys_in(s3, bucket, PARKED_DIR + "/")
    pdf = next(a for a in attachments if a.content_type == "application/pdf")
    assert object_bytes(s3, bucket, pdf.file.name) == PDF_BYTES
    for attachment in attachments:
        assert_private(s3, bucket, attachment.file.name)

    url = reverse("workspace:attachment", args=[dossier.pk, pdf.pk])
    response = staff_client(world).get(url)
    assert response.status_code == 200 and response.streaming
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Length"] == str(len(PDF_BYTES))
    assert response["Content-Type"] == "application/pdf" and response["Cache-Control"] == "private, no-store"
    assert 'filename="to-khai-cap-ban-sao.pdf"' in response["Content-Disposition"]
    # Nobody else gets it, nor an address of it.
    assert Client().get(url).status_code in (302, 404)
    outsider = Client()
    outsider.force_login(world.user("clerk@other_desk"))
    assert outsider.get(url).status_code == 404


def test_presigned_mode_redirects_after_the_check_to_a_url_valid_for_its_lifetime(client, world, s3, bucket,
                                                                                settings):
    settings.PRIVATE_DOWNLOADS = {"MODE": "presigned", "URL_SECONDS": 60}
    dossier = submit_online(client, world)
    pdf = Attachment.objects.get(dossier=dossier, content_type="application/pdf")
    url = reverse("workspace:attachment", args=[dossier.pk, pdf.pk])
    assert Client().get(url).status_code in (302, 404) and "X-Amz" not in Client().get(url).get("Location", "")
    response = staff_client(world).get(url)
    assert response.status_code == 302 and response["Cache-Control"] == "private, no-store"
    location = response["Location"]
    assert location.startswith(f"{s3.endpoint}/{bucket}/{pdf.file.name}?")
    assert "X-Amz-Signature=" in location and "X-Amz-Expires=60" in location
    signed = requests.get(location, timeout=10)
    assert signed.status_code == 200 and signed.content == PDF_BYTES
    assert 'filename="to-khai-cap-ban-sao.pdf"' in signed.headers["Content-Disposition"]
    assert signed.headers["Content-Type"] == "application/pdf"
    # Without its signature the object is not readable. (moto checks neither the signature's value nor its
    # lifetime, which S3 and MinIO do: the URL says both, signed now for 60 s with the storage's key.)
    assert requests.get(location.split("?")[0], timeout=10).status_code == 403
    query = parse_qs(urlsplit(location).query)
    assert query["X-Amz-Credential"][0].startswith(s3server.ACCESS_KEY + "/")
    signed_at = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs((signed_at - datetime.now(UTC)).total_seconds()) < 30

    settings.PRIVATE_DOWNLOADS = {"MODE": "presigned", "URL_SECONDS": 1}
    assert "X-Amz-Expires=1&" in staff_client(world).get(url)["Location"]


def test_signed_result_keys_and_trust_roots_live_in_the_bucket(world, s3, bucket, settings, signing_keys,  # noqa: F811
                                                              client):
    from printing.keys import install_certificate
    from printing.verification import verify_stored

    default_storage.save("signing/trust-roots/ca.pem", ContentFile(signing_keys.ca.pem))
    settings.SIGNING_TRUST_ROOTS = ["storage:signing/trust-roots"]
    settings.SIGNING_KEY_PASSWORDS = {PASSWORD_SOURCE: PASSWORD}
    certificate = install_certificate(agency=world.dept, data=signing_keys.dept, password_source=PASSWORD_SOURCE)
    assert certificate.file.name in keys_in(s3, bucket, "signing/keys/")
    assert_private(s3, bucket, certificate.file.name)

    dossier = world.proposed()
    with at(T_STEP):
        dossier = services.dossier_approve(dossier=dossier, actor=world.user("leader@dept"))
    record = ResultSignature.objects.get(dossier=dossier)
    assert record.attachment is not None, record.outcome
    key = record.attachment.file.name
    assert key in keys_in(s3, bucket) and object_bytes(s3, bucket, key).startswith(b"%PDF")
    assert_private(s3, bucket, key)
    assert verify_stored(record).valid  # read from the bucket, trusted through the bucket's root

    assert client.post(reverse("portal:track"), {"ma": dossier.code, "sdt": "0912000111"}).status_code == 302
    response = client.get(reverse("portal:result", args=[dossier.code]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == object_bytes(s3, bucket, key)


def test_the_tracking_book_is_rendered_into_the_bucket_and_replaced(world, s3, bucket):
    from printing.books import tracking_book_store

    world.received()
    day = date(2025, 3, 10)
    first = tracking_book_store(agency_id=world.desk.pk, day=day)
    assert first.dossier_count == 1
    assert keys_in(s3, bucket, "tracking-books/") == [first.file.name]
    assert object_bytes(s3, bucket, first.file.name).startswith(b"%PDF")
    assert_private(s3, bucket, first.file.name)
    again = tracking_book_store(agency_id=world.desk.pk, day=day)
    assert TrackingBookFile.objects.count() == 1
    assert keys_in(s3, bucket, "tracking-books/") == [again.file.name]  # the previous file is gone


def test_parked_uploads_are_listed_touched_and_removed_in_the_bucket(s3, bucket):
    with time_machine.travel("2026-01-05 08:00 +0700", tick=False):
        old = default_storage.save(f"{PARKED_DIR}/old.pdf", ContentFile(PDF_BYTES))
        kept = default_storage.save(f"{PARKED_DIR}/kept.pdf", ContentFile(PDF_BYTES))
    assert [e.name for e in entries(default_storage, PARKED_DIR)] == sorted([kept, old])
    with time_machine.travel("2026-01-06 07:00 +0700", tick=False):
        touch(default_storage, kept)  # parked again: written "now"
    with time_machine.travel("2026-01-06 09:00 +0700", tick=False):
        assert remove_parked_uploads(older_than=timedelta(hours=24)) == 1
    assert keys_in(s3, bucket, PARKED_DIR + "/") == [kept]
    assert object_bytes(s3, bucket, kept) == PDF_BYTES  # touching keeps the content
