"""`make run` signs out of the box: load_demo makes a demo CA (its certificate where the default trust roots
look) and one signing certificate per agency in operation; a leader's approval then gives a valid signed result."""

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from accounts.models import User
from demo.data import DEMO_CA_CERTIFICATE, DEMO_SIGNING_PASSWORD_SOURCE
from dossiers import services
from dossiers.models import Dossier
from printing.keys import valid_certificate_of
from printing.models import ResultSignature, SigningCertificate
from printing.verification import verify_pdf
from procedures.models import Agency

pytestmark = pytest.mark.django_db


def test_load_demo_installs_a_ca_and_one_certificate_per_agency_once(settings):
    call_command("load_demo")
    in_operation = Agency.objects.filter(valid_to__isnull=True)
    assert in_operation.count() >= 7
    for agency in in_operation:
        certificate = valid_certificate_of(agency.pk)
        assert certificate is not None and certificate.password_source == DEMO_SIGNING_PASSWORD_SOURCE
        assert agency.name[:64] in certificate.subject
    assert not SigningCertificate.objects.filter(agency__valid_to__isnull=False).exists()
    assert default_storage.exists(DEMO_CA_CERTIFICATE)
    first = set(SigningCertificate.objects.values_list("pk", "fingerprint"))
    call_command("load_demo")
    assert set(SigningCertificate.objects.values_list("pk", "fingerprint")) == first  # kept, not re-issued


def test_a_demo_leaders_approval_gives_a_valid_signed_result(settings):
    call_command("load_demo")
    settings.SIGNING_TRUST_ROOTS = [default_storage.path(DEMO_CA_CERTIFICATE).rsplit("/", 1)[0]]
    dossier = Dossier.objects.filter(state="processing").first()
    officer, leader = User.objects.get(username="chuyenvien.longan"), User.objects.get(username="lanhdao.longan")
    dossier = services.dossier_propose(dossier=dossier, actor=officer, outcome="approved", note="Đủ điều kiện")
    dossier = services.dossier_approve(dossier=dossier, actor=leader)
    assert dossier.result_is_electronic
    record = ResultSignature.objects.get(dossier=dossier)
    with record.attachment.file.open("rb") as handle:
        verdict = verify_pdf(handle.read())
    assert verdict.valid, verdict.message
    assert verdict.signer == "Trung tâm Phục vụ hành chính công phường Long An"
    assert verdict.signer_name == "Nguyễn Văn Đức"
