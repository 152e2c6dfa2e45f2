"""The payment settings (settings.PAYMENTS, per province; onecua/settings/base.py), resolved once per call.

* A real gateway: VNPAY_PAY_URL, VNPAY_API_URL, VNPAY_TMN_CODE and VNPAY_HASH_SECRET all set.
* The embedded default (`make run`: DEBUG on and no gateway configured): the built-in simulator, served by this
  site under /thanh-toan/thu-nghiem/, with a fixed demo merchant (DEMO_TMN_CODE, DEMO_HASH_SECRET). The simulator
  signs with the demo secret only, so it can never confirm a real payment; production refuses that secret
  (payments/checks.py).
* Otherwise (production without a gateway) online payment is off: the dues are listed, to be paid at the desk.
"""

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from payments.providers.vnpay import VnpayProvider

DEMO_TMN_CODE = "MOTCUA01"
DEMO_HASH_SECRET = "MOTCUA-DEMO-SECRET-ONLY-FOR-THE-SIMULATOR"
SIMULATOR_PREFIX = "/thanh-toan/thu-nghiem"
DEFAULTS = {
    "VNPAY_PAY_URL": "", "VNPAY_API_URL": "", "VNPAY_TMN_CODE": "", "VNPAY_HASH_SECRET": "",
    "VNPAY_ORDER_TYPE": "other", "LIFETIME_MINUTES": 15, "RECONCILE_AFTER_MINUTES": 15, "SIMULATOR": None,
    "HTTP_TIMEOUT_SECONDS": 10,
}


@dataclass(frozen=True)
class PaymentSettings:
    pay_url: str
    api_url: str
    tmn_code: str
    hash_secret: str
    order_type: str
    lifetime_minutes: int
    reconcile_after_minutes: int
    timeout: float
    simulator: bool  # this site serves the simulator (demo merchant only)

    def provider(self) -> VnpayProvider:
        return VnpayProvider(pay_url=self.pay_url, api_url=self.api_url, tmn_code=self.tmn_code,
                             hash_secret=self.hash_secret, order_type=self.order_type, timeout=self.timeout)


def raw() -> dict:
    return {**DEFAULTS, **getattr(settings, "PAYMENTS", {})}


def public_base_url() -> str:
    return settings.ONECUA["PUBLIC_BASE_URL"].rstrip("/")


def current() -> PaymentSettings | None:
    """The gateway in use, or None when online payment is off."""
    p = raw()
    secret, tmn_code = p["VNPAY_HASH_SECRET"], p["VNPAY_TMN_CODE"]
    demo = not secret
    wants_simulator = settings.DEBUG if p["SIMULATOR"] is None else bool(p["SIMULATOR"])
    if demo:
        if not wants_simulator:
            return None
        secret, tmn_code = DEMO_HASH_SECRET, DEMO_TMN_CODE
    simulator_base = public_base_url() + SIMULATOR_PREFIX
    pay_url = p["VNPAY_PAY_URL"] or (simulator_base + "/paymentv2/vpcpay.html" if demo else "")
    api_url = p["VNPAY_API_URL"] or (simulator_base + "/merchant_webapi/api/transaction" if demo else "")
    if not (pay_url and api_url and tmn_code):
        return None
    return PaymentSettings(
        pay_url=pay_url, api_url=api_url, tmn_code=tmn_code, hash_secret=secret, order_type=p["VNPAY_ORDER_TYPE"],
        lifetime_minutes=int(p["LIFETIME_MINUTES"]), reconcile_after_minutes=int(p["RECONCILE_AFTER_MINUTES"]),
        timeout=float(p["HTTP_TIMEOUT_SECONDS"]),
        simulator=wants_simulator and secret == DEMO_HASH_SECRET,
    )


def ipn_url() -> str:
    """The address the gateway calls (declared to VNPAY for the merchant; the simulator is given it)."""
    return public_base_url() + reverse("payments:ipn_vnpay")


def return_url() -> str:
    return public_base_url() + reverse("payments:return_vnpay")
