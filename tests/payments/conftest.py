import pytest
from django.core.cache import cache

from payments.simulator import API_PATH, PAY_PATH, GatewaySimulator, serve
from tests.payments.helpers import SECRET, TMN_CODE, Browser


@pytest.fixture
def gateway(live_server, settings):
    """The application served on a loopback port (live_server) and the gateway simulator on another, configured
    as a province would configure VNPAY: its pay and API addresses, the merchant code and secret; the simulator
    calls the application's IPN address."""
    simulator = GatewaySimulator(tmn_code=TMN_CODE, hash_secret=SECRET,
                                 ipn_url=live_server.url + "/thanh-toan/ipn/vnpay/")
    server, base = serve(simulator)
    simulator.base = base
    settings.ONECUA = {**settings.ONECUA, "PUBLIC_BASE_URL": live_server.url}
    settings.PAYMENTS = {**settings.PAYMENTS, "VNPAY_PAY_URL": base + PAY_PATH, "VNPAY_API_URL": base + API_PATH,
                         "VNPAY_TMN_CODE": TMN_CODE, "VNPAY_HASH_SECRET": SECRET, "SIMULATOR": None}
    cache.clear()  # the tracking lookups' rate limit
    yield simulator
    server.shutdown()
    server.server_close()


@pytest.fixture
def browser():
    return Browser()
