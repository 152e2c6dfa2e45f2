"""The payment settings production must not run with (like onecua/checks.py for the other settings).

`payment_problems` decides from plain values. PaymentsConfig.ready() raises ImproperlyConfigured when DEBUG is
off and a problem marked for the start is found (the simulator's demo secret, the simulator served), so
gunicorn and Celery refuse to start; `check_payments` reports every problem under `manage.py check --deploy`.
With no gateway configured there is no problem: online payment is simply off (the dues are paid at the desk).
"""

from urllib.parse import urlsplit

from django.core import checks

from payments.conf import DEFAULTS, DEMO_HASH_SECRET, DEMO_TMN_CODE


def payment_problems(*, payments: dict, debug: bool, at_start: bool = False) -> list[tuple[str, str]]:
    p = {**DEFAULTS, **(payments or {})}
    problems = []
    secret = p["VNPAY_HASH_SECRET"] or ""
    if secret == DEMO_HASH_SECRET or p["VNPAY_TMN_CODE"] == DEMO_TMN_CODE:
        problems.append(("payments.E001", "VNPAY_HASH_SECRET or VNPAY_TMN_CODE is the built-in simulator's demo "
                                          "merchant: anyone could sign a payment confirmation. Set the merchant "
                                          "code and secret VNPAY gave the province."))
    if p["SIMULATOR"] and not debug:
        problems.append(("payments.E002", "PAYMENT_SIMULATOR is on: the payment simulator would be served at "
                                          "/thanh-toan/thu-nghiem/. Unset it (it is for development only)."))
    if at_start:
        return problems
    if secret and not (p["VNPAY_PAY_URL"] and p["VNPAY_API_URL"] and p["VNPAY_TMN_CODE"]):
        problems.append(("payments.E003", "VNPAY_HASH_SECRET is set but VNPAY_PAY_URL, VNPAY_API_URL or "
                                          "VNPAY_TMN_CODE is not: set all four (online payment is off until then)."))
    for name in ("VNPAY_PAY_URL", "VNPAY_API_URL"):
        url = p[name] or ""
        if secret and url and urlsplit(url).scheme != "https":
            problems.append(("payments.E004", f"{name} is {url}: the gateway must be reached over https."))
    return problems


def refusal_message(problems: list[tuple[str, str]]) -> str:
    return "The payment settings are refused:\n" + "\n".join(f"  {pid}: {text}" for pid, text in problems)


def check_payments(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    from django.conf import settings

    return [checks.Error(text, id=pid)
            for pid, text in payment_problems(payments=getattr(settings, "PAYMENTS", {}), debug=settings.DEBUG)]
