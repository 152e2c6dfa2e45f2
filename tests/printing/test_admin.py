"""The signing certificates in the admin: the subject and expiry read from the file; an expired certificate, a
wrong password, a file that is not PKCS#12 or a certificate of an untrusted CA refused with the reason; scoped to
the administrator's agencies; the key file never offered for download."""

import pytest
from django.urls import reverse

from accounts.admin import sync_administrator_access
from accounts.models import Role
from printing.keys import install_certificate
from printing.models import SigningCertificate
from tests.builders import PDF_BYTES, upload
from tests.factories import MembershipFactory, UserFactory
from tests.printing.conftest import PASSWORD_SOURCE

pytestmark = pytest.mark.django_db

ADD = reverse("admin:printing_signingcertificate_add")
LIST = reverse("admin:printing_signingcertificate_changelist")


@pytest.fixture
def admin_of_h61(world, client):
    user = UserFactory(username="quantri.h61", full_name="Quản trị H61")
    MembershipFactory(user=user, agency=world.province, role=Role.ADMIN)
    sync_administrator_access(user)
    client.force_login(user)
    return client


def add(client, agency, data: bytes, source=PASSWORD_SOURCE):
    return client.post(ADD, {"agency": agency.pk, "upload": upload("chung-thu.p12", data), "password_source": source,
                             "is_active": "on"})


def errors(response) -> str:
    return " ".join(str(e) for e in response.context["adminform"].form.errors.values())


def test_a_valid_certificate_is_installed_with_what_it_says(world, trust, admin_of_h61):
    response = add(admin_of_h61, world.dept, trust.dept)
    assert response.status_code == 302, errors(response)
    certificate = SigningCertificate.objects.get()
    assert certificate.agency == world.dept and certificate.is_active
    assert "CN=Sở Tài chính" in certificate.subject and "CN=CA Thử nghiệm" in certificate.issuer
    assert (certificate.not_before.year, certificate.not_after.year) == (2020, 2040)
    assert certificate.file.name.startswith("signing/keys/") and certificate.file.name.endswith(".p12")
    listing = admin_of_h61.get(LIST).content.decode()
    assert "CN=Sở Tài chính" in listing and "2040" in listing
    change = admin_of_h61.get(reverse("admin:printing_signingcertificate_change", args=[certificate.pk]))
    assert certificate.file.name not in change.content.decode()  # the key file is never linked


@pytest.mark.parametrize(("key", "source", "message"), [
    ("expired", PASSWORD_SOURCE, "Chứng thư số đã hết hạn ngày 31/12/2020"),
    ("dept", "ONECUA_SIGNING_WRONG", "Chưa có mật khẩu"),
    ("foreign", PASSWORD_SOURCE, "người ký không được tin cậy"),
])
def test_unusable_certificates_are_refused_with_the_reason(world, trust, admin_of_h61, key, source, message):
    response = add(admin_of_h61, world.dept, getattr(trust, key), source)
    assert response.status_code == 200 and message in errors(response)
    assert not SigningCertificate.objects.exists()


def test_a_wrong_password_and_a_file_that_is_not_pkcs12_are_refused(world, trust, admin_of_h61, settings):
    response = add(admin_of_h61, world.dept, PDF_BYTES)
    assert "không phải chứng thư số dạng PKCS#12" in errors(response)
    settings.SIGNING_KEY_PASSWORDS = {PASSWORD_SOURCE: "sai-mat-khau"}
    response = add(admin_of_h61, world.dept, trust.dept)
    assert "Sai mật khẩu" in errors(response)
    response = add(admin_of_h61, world.dept, trust.dept, "DATABASE_URL")  # never another secret of the process
    assert "ONECUA_SIGNING_" in errors(response)
    assert not SigningCertificate.objects.exists()


def test_the_administrator_sees_and_installs_for_their_agencies_only(world, trust, admin_of_h61):
    theirs = install_certificate(agency=world.other_province, data=trust.dept, password_source=PASSWORD_SOURCE)
    mine = install_certificate(agency=world.dept, data=trust.dept, password_source=PASSWORD_SOURCE)
    listing = admin_of_h61.get(LIST)
    assert [c.pk for c in listing.context["cl"].result_list] == [mine.pk]
    change = reverse("admin:printing_signingcertificate_change", args=[theirs.pk])
    assert admin_of_h61.get(change, follow=True).redirect_chain  # "not found": back to the admin's index
    response = add(admin_of_h61, world.other_province, trust.dept)
    assert response.status_code == 200 and "agency" in response.context["adminform"].form.errors
    assert SigningCertificate.objects.count() == 2


def test_an_expired_certificate_can_still_be_switched_off(world, trust, admin_of_h61):
    old = install_certificate(agency=world.dept, data=trust.expired, password_source=PASSWORD_SOURCE, check=False)
    change = reverse("admin:printing_signingcertificate_change", args=[old.pk])
    response = admin_of_h61.post(change, {"agency": world.dept.pk, "password_source": PASSWORD_SOURCE})
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.is_active is False


def test_staff_who_administer_nothing_do_not_reach_the_page(world, client):
    clerk = world.user("clerk@desk")
    clerk.is_staff = True
    clerk.save()
    client.force_login(clerk)
    assert client.get(LIST).status_code in {302, 403}
