"""The payment settings: the embedded default serves the simulator (the whole flow inside one server, as in
`make run`), production refuses the demo merchant and the simulator, and with no gateway online payment is off."""

import os
import subprocess
import sys
import urllib.parse

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache

from dossiers.models import State
from payments import conf
from payments.checks import check_payments, payment_problems
from payments.models import Payment, PaymentStatus
from tests.builders import T_ACT, at, fresh
from tests.payments.helpers import Browser, attribute, awaiting_online_payment, hidden


def test_the_embedded_default_points_at_the_simulator(settings):
    settings.DEBUG = True
    settings.PAYMENTS = {**settings.PAYMENTS, "VNPAY_HASH_SECRET": "", "VNPAY_TMN_CODE": "", "SIMULATOR": None}
    settings.ONECUA = {**settings.ONECUA, "PUBLIC_BASE_URL": "http://127.0.0.1:8000"}
    gateway = conf.current()
    assert gateway.simulator and gateway.tmn_code == conf.DEMO_TMN_CODE
    assert gateway.pay_url == "http://127.0.0.1:8000/thanh-toan/thu-nghiem/paymentv2/vpcpay.html"
    assert gateway.api_url == "http://127.0.0.1:8000/thanh-toan/thu-nghiem/merchant_webapi/api/transaction"
    assert conf.ipn_url() == "http://127.0.0.1:8000/thanh-toan/ipn/vnpay/"
    settings.DEBUG = False  # production without a gateway: online payment off
    assert conf.current() is None
    settings.PAYMENTS = {**settings.PAYMENTS, "VNPAY_HASH_SECRET": "S" * 32, "VNPAY_TMN_CODE": "REAL0001",
                         "VNPAY_PAY_URL": "https://pay.vnpay.vn/vpcpay.html",
                         "VNPAY_API_URL": "https://merchant.vnpay.vn/merchant_webapi/api/transaction"}
    gateway = conf.current()
    assert gateway.tmn_code == "REAL0001" and not gateway.simulator


def test_the_checks():
    demo = {"VNPAY_HASH_SECRET": conf.DEMO_HASH_SECRET, "VNPAY_TMN_CODE": conf.DEMO_TMN_CODE}
    assert [pid for pid, _ in payment_problems(payments=demo, debug=False)] == ["payments.E001", "payments.E003"]
    assert [pid for pid, _ in payment_problems(payments={"SIMULATOR": True}, debug=False)] == ["payments.E002"]
    assert payment_problems(payments={"SIMULATOR": True}, debug=True) == []
    insecure = {"VNPAY_HASH_SECRET": "S" * 32, "VNPAY_TMN_CODE": "REAL0001", "VNPAY_PAY_URL": "http://pay.example",
                "VNPAY_API_URL": "https://api.example"}
    assert [pid for pid, _ in payment_problems(payments=insecure, debug=False)] == ["payments.E004"]
    assert payment_problems(payments={}, debug=False) == []  # no gateway: online payment off, nothing wrong
    assert check_payments() == []  # the test settings


def run_with(env: dict, tmp_path) -> subprocess.CompletedProcess:
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
                   "DATABASE_URL": f"sqlite:///{tmp_path}/prod.sqlite3", "PRIVATE_STORAGE_ROOT": str(tmp_path),
                   "DJANGO_SETTINGS_MODULE": "onecua.settings.prod", "DJANGO_ALLOWED_HOSTS": "motcua.example.gov.vn",
                   "DJANGO_SECRET_KEY": "ci-6hQ2vR8mZk1LwP0xYt7NcJ3bFa9GdUe5Hs4Kq2Wm8Vr1Tz6Py0Lo3Ni7Bx5Cj",
                   "PUBLIC_BASE_URL": "https://motcua.example.gov.vn",
                   "CACHE_URL": "redis://127.0.0.1:6379/15", **env}
    return subprocess.run([sys.executable, "-c", "import django; django.setup(); print('started')"],
                          cwd=django_settings.BASE_DIR, env=environment, capture_output=True, text=True, timeout=120)


def test_production_refuses_to_start_with_the_demo_secret_or_the_simulator(tmp_path):
    proc = run_with({"VNPAY_HASH_SECRET": conf.DEMO_HASH_SECRET}, tmp_path)
    assert proc.returncode != 0 and "started" not in proc.stdout
    assert "payments.E001" in proc.stderr
    proc = run_with({"PAYMENT_SIMULATOR": "true"}, tmp_path)
    assert proc.returncode != 0 and "payments.E002" in proc.stderr
    proc = run_with({}, tmp_path)  # no gateway: starts, online payment off
    assert proc.returncode == 0 and "started" in proc.stdout, proc.stderr[-2000:]


@pytest.mark.django_db
def test_the_simulator_is_404_unless_served(client, settings):
    assert client.get("/thanh-toan/thu-nghiem/paymentv2/vpcpay.html").status_code == 404
    assert client.post("/thanh-toan/thu-nghiem/merchant_webapi/api/transaction", "{}",
                       content_type="application/json").status_code == 404


@pytest.mark.django_db
def test_without_a_gateway_the_citizen_pays_at_the_desk(world, client):
    dossier = awaiting_online_payment(world)
    client.force_login(world.citizen)
    dossier.applicant_user = world.citizen
    dossier.save(update_fields=["applicant_user"])
    page = client.get(f"/tra-cuu/{dossier.code}/").content.decode()
    assert "Thanh toán trực tuyến" in page and "Nộp tại nơi tiếp nhận hồ sơ" in page and "1.500.000 đ" in page
    payment = Payment.objects.get(dossier=dossier)
    response = client.post(f"/thanh-toan/ho-so/{dossier.code}/", {"reference": payment.reference}, follow=True)
    assert "chưa được cấu hình" in response.content.decode()
    assert Payment.objects.get(pk=payment.pk).started_at is None


@pytest.mark.django_db(transaction=True)
def test_the_whole_flow_inside_one_server_with_the_built_in_simulator(world, live_server, settings):
    """`make run`: the simulator under /thanh-toan/thu-nghiem/ of the same (threaded) server calls its IPN."""
    settings.ONECUA = {**settings.ONECUA, "PUBLIC_BASE_URL": live_server.url}
    settings.PAYMENTS = {**settings.PAYMENTS, "VNPAY_HASH_SECRET": "", "VNPAY_TMN_CODE": "", "VNPAY_PAY_URL": "",
                         "VNPAY_API_URL": "", "SIMULATOR": True}
    cache.clear()
    dossier = awaiting_online_payment(world)
    browser = Browser()
    with at(T_ACT):
        page = browser.track(live_server.url, dossier.code)
        answer = browser.post(f"{live_server.url}/thanh-toan/ho-so/{dossier.code}/",
                              {"reference": hidden(page, "reference")})
        gateway_url = attribute(answer, "gateway-link", "href")
        assert gateway_url.startswith(live_server.url + "/thanh-toan/thu-nghiem/paymentv2/vpcpay.html?")
        assert f"vnp_TmnCode={conf.DEMO_TMN_CODE}" in gateway_url
        simulator_page = browser.get(gateway_url)
        assert simulator_page.status == 200 and "1.500.000 VND" in simulator_page.text
        assert "Thanh toán" in simulator_page.text and "Hủy" in simulator_page.text
        choice = browser.open(live_server.url + "/thanh-toan/thu-nghiem/paymentv2/vpcpay.html",
                              {"q": hidden(simulator_page, "q"), "action": "pay"})
        assert choice.status == 302
        result = browser.get(choice.location)
        assert 'data-status="paid"' in result.text
        # A message signed by anyone else is refused by the simulator itself.
        tampered = gateway_url.replace("vnp_Amount=150000000", "vnp_Amount=100")
        assert browser.get(tampered).status == 400
    assert Payment.objects.get(dossier=dossier).status == PaymentStatus.PAID
    assert fresh(dossier).state == State.PROCESSING
    assert urllib.parse.urlsplit(choice.location).path == "/thanh-toan/ket-qua/vnpay/"
