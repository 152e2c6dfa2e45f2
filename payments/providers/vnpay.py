"""VNPAY's public merchant integration (PAY, version 2.1.0): the payment URL, the return URL, the IPN and the
`querydr` API. Pure Python (standard library only): the simulator (payments/simulator.py) speaks the gateway's
side of the same protocol with these functions.

What was checked, and where (docs.vnpay references are https://sandbox.vnpayment.vn/apis/docs/…):

* Payment URL (thanh-toan-pay/pay.html, chuyen-doi-thuat-toan/changeTypeHash.html): GET
  …/paymentv2/vpcpay.html with vnp_Version 2.1.0, vnp_Command pay, vnp_TmnCode, vnp_Amount (đồng × 100),
  vnp_CurrCode VND, vnp_TxnRef, vnp_OrderInfo (Vietnamese without diacritics), vnp_OrderType, vnp_Locale vn,
  vnp_ReturnUrl, vnp_IpAddr, vnp_CreateDate and vnp_ExpireDate (yyyyMMddHHmmss, GMT+7). vnp_SecureHash is the
  HMAC-SHA512 (hex) with the merchant's secret of the parameters sorted by name, each `name=value` URL-encoded
  and joined by "&" (VNPAY's own Python sample uses urllib.parse.quote_plus), without vnp_SecureHash and
  vnp_SecureHashType (2.1.0 no longer sends the type). The return URL and the IPN carry the result parameters
  signed the same way; VNPAY's samples check every received `vnp_*` parameter but those two.
* IPN (pay.html): a GET to the merchant's IPN address (declared to VNPAY per merchant), answered with JSON
  {"RspCode", "Message"}: 00 confirmed, 01 order not found, 02 order already confirmed, 04 invalid amount,
  97 invalid signature, 99 unknown error. A payment succeeded when vnp_ResponseCode and vnp_TransactionStatus
  are both "00"; 24 is the customer's cancellation.
* querydr (truy-van-hoan-tien/querydr&refund.html): POST JSON to …/merchant_webapi/api/transaction. The request
  is signed over `vnp_RequestId|vnp_Version|vnp_Command|vnp_TmnCode|vnp_TxnRef|vnp_TransactionDate|
  vnp_CreateDate|vnp_IpAddr|vnp_OrderInfo`, the response over `vnp_ResponseId|vnp_Command|vnp_ResponseCode|
  vnp_Message|vnp_TmnCode|vnp_TxnRef|vnp_Amount|vnp_BankCode|vnp_PayDate|vnp_TransactionNo|
  vnp_TransactionType|vnp_TransactionStatus|vnp_OrderInfo|vnp_PromotionCode|vnp_PromotionAmount` (the same
  orders in the lehuygiang28/vnpay library's query.service.ts). Response codes: 00 found, 91 not found, 94
  duplicate request, 97 invalid checksum, 99 other.

One difference to keep in mind: VNPAY's PHP sample encodes with PHP's urlencode, which also encodes "~";
quote_plus leaves it. Our references and order texts never contain "~" (ASCII letters, digits, ". - :" and
spaces only), so both encodings sign the same string.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import unicodedata
import urllib.error
import urllib.request
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from urllib.parse import quote_plus

from payments.providers.base import (
    GatewayError,
    GatewayResult,
    Order,
    Outcome,
    Provider,
    SignatureError,
)

VERSION = "2.1.0"
CURRENCY = "VND"
LOCALE = "vn"
TIME_FORMAT = "%Y%m%d%H%M%S"
GMT7 = timezone(timedelta(hours=7), "GMT+7")
HASH_FIELDS = frozenset({"vnp_SecureHash", "vnp_SecureHashType"})
SUCCESS = "00"
CANCELLED = "24"
# vnp_TransactionStatus: 00 paid, 01 not finished yet, 02 error, 04 reversed, 05–09 refunds and fraud checks.
STILL_OPEN_STATUSES = {"01"}
QUERYDR_COMMAND = "querydr"
QUERYDR_NOT_FOUND = "91"
QUERYDR_REQUEST_ORDER = ("vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_TxnRef",
                         "vnp_TransactionDate", "vnp_CreateDate", "vnp_IpAddr", "vnp_OrderInfo")
QUERYDR_RESPONSE_ORDER = ("vnp_ResponseId", "vnp_Command", "vnp_ResponseCode", "vnp_Message", "vnp_TmnCode",
                          "vnp_TxnRef", "vnp_Amount", "vnp_BankCode", "vnp_PayDate", "vnp_TransactionNo",
                          "vnp_TransactionType", "vnp_TransactionStatus", "vnp_OrderInfo", "vnp_PromotionCode",
                          "vnp_PromotionAmount")
IPN_ANSWERS = {
    Outcome.CONFIRMED: ("00", "Confirm Success"),
    Outcome.NOT_FOUND: ("01", "Order not found"),
    Outcome.ALREADY_CONFIRMED: ("02", "Order already confirmed"),
    Outcome.BAD_AMOUNT: ("04", "Invalid amount"),
    Outcome.BAD_SIGNATURE: ("97", "Invalid signature"),
    Outcome.ERROR: ("99", "Unknown error"),
}
MAX_TXN_REF = 100  # vnp_TxnRef: Alphanumeric[1,100]
MAX_ORDER_INFO = 255


# ---------------------------------------------------------------- signing
def canonical(params: Mapping[str, object]) -> str:
    """The string VNPAY signs: every vnp_* parameter but the hash fields, sorted by name, `name=value` with the
    value URL-encoded (quote_plus), joined by "&"."""
    items = sorted((k, "" if v is None else str(v)) for k, v in params.items()
                   if k.startswith("vnp_") and k not in HASH_FIELDS)
    return "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in items)


def hmac_sha512(secret: str, data: str) -> str:
    return hmac.new(secret.encode("utf-8"), data.encode("utf-8"), hashlib.sha512).hexdigest()


def sign(secret: str, params: Mapping[str, object]) -> str:
    return hmac_sha512(secret, canonical(params))


def signed(secret: str, params: Mapping[str, object]) -> dict[str, str]:
    """The parameters (empty ones dropped, as VNPAY's samples send them) with their vnp_SecureHash."""
    out = {k: str(v) for k, v in params.items() if v not in (None, "") and k not in HASH_FIELDS}
    out["vnp_SecureHash"] = sign(secret, out)
    return out


def has_valid_signature(secret: str, params: Mapping[str, str]) -> bool:
    received = str(params.get("vnp_SecureHash") or "")
    return bool(received) and hmac.compare_digest(received.lower(), sign(secret, params))


def url_with(base: str, params: Mapping[str, str]) -> str:
    """`base` with the signed parameters as its query (the signed string itself, then the hash)."""
    hash_value = params["vnp_SecureHash"]
    return f"{base}?{canonical(params)}&vnp_SecureHash={hash_value}"


def pipe_hash(secret: str, data: Mapping[str, object], order: tuple[str, ...]) -> str:
    """querydr's signature: the values in the documented order joined by "|" (a missing value is empty)."""
    return hmac_sha512(secret, "|".join("" if data.get(name) is None else str(data.get(name)) for name in order))


# ---------------------------------------------------------------- values
def vnp_time(moment: datetime) -> str:
    """yyyyMMddHHmmss in GMT+7, as every VNPAY date."""
    return moment.astimezone(GMT7).strftime(TIME_FORMAT)


def parse_vnp_time(value: str | None) -> datetime | None:
    try:
        return datetime.strptime(str(value or ""), TIME_FORMAT).replace(tzinfo=GMT7)
    except ValueError:
        return None


def ascii_text(text: str, limit: int = MAX_ORDER_INFO) -> str:
    """Vietnamese without diacritics and without special characters (vnp_OrderInfo's rule)."""
    folded = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^A-Za-z0-9 .:\-]", " ", plain).split())[:limit]


def amount_param(amount: int) -> str:
    return str(int(amount) * 100)


def amount_from(value: object) -> int | None:
    """vnp_Amount (× 100) back to đồng; None when it is not a whole number of đồng."""
    try:
        raw = int(str(value))
    except (TypeError, ValueError):
        return None
    return raw // 100 if raw % 100 == 0 and raw >= 0 else None


# ---------------------------------------------------------------- HTTP (server to server)
def http_get_json(url: str, *, timeout: float) -> dict:
    request = urllib.request.Request(url, headers={"Accept": "application/json"}, method="GET")
    return _send(request, timeout=timeout)


def http_post_json(url: str, body: dict, *, timeout: float) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode("utf-8"), method="POST",
                                     headers={"Content-Type": "application/json", "Accept": "application/json"})
    return _send(request, timeout=timeout)


def _send(request, *, timeout: float) -> dict:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - configured URL
            data = json.loads(response.read().decode("utf-8"))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise GatewayError(f"{type(exc).__name__}: {exc}") from exc
    if not isinstance(data, dict):
        raise GatewayError("the answer is not a JSON object")
    return data


# ---------------------------------------------------------------- messages
def payment_params(*, tmn_code: str, order: Order, order_info: str, order_type: str, return_url: str,
                   client_ip: str) -> dict[str, str]:
    return {
        "vnp_Version": VERSION,
        "vnp_Command": "pay",
        "vnp_TmnCode": tmn_code,
        "vnp_Amount": amount_param(order.amount),
        "vnp_CurrCode": CURRENCY,
        "vnp_TxnRef": order.reference,
        "vnp_OrderInfo": order_info,
        "vnp_OrderType": order_type,
        "vnp_Locale": LOCALE,
        "vnp_ReturnUrl": return_url,
        "vnp_IpAddr": client_ip or "127.0.0.1",
        "vnp_CreateDate": vnp_time(order.started_at),
        "vnp_ExpireDate": vnp_time(order.expires_at),
    }


def querydr_body(*, secret: str, tmn_code: str, request_id: str, reference: str, order_info: str,
                 transaction_date: datetime, now: datetime, client_ip: str) -> dict[str, str]:
    body = {
        "vnp_RequestId": request_id,
        "vnp_Version": VERSION,
        "vnp_Command": QUERYDR_COMMAND,
        "vnp_TmnCode": tmn_code,
        "vnp_TxnRef": reference,
        "vnp_OrderInfo": order_info,
        "vnp_TransactionDate": vnp_time(transaction_date),
        "vnp_CreateDate": vnp_time(now),
        "vnp_IpAddr": client_ip or "127.0.0.1",
    }
    body["vnp_SecureHash"] = pipe_hash(secret, body, QUERYDR_REQUEST_ORDER)
    return body


def result_from(params: Mapping[str, object], *, found: bool = True) -> GatewayResult:
    """A return URL's, IPN's or querydr answer's parameters (already verified) as a GatewayResult."""
    code = str(params.get("vnp_ResponseCode") or "")
    status = str(params.get("vnp_TransactionStatus") or "")
    paid = found and code == SUCCESS and status == SUCCESS
    number = str(params.get("vnp_TransactionNo") or "")
    return GatewayResult(
        reference=str(params.get("vnp_TxnRef") or ""),
        found=found,
        amount=amount_from(params.get("vnp_Amount")) if found else None,
        paid=paid,
        failed=found and not paid and status not in STILL_OPEN_STATUSES and code != "",
        transaction_id="" if number in ("", "0") else number,
        response_code=code,
        transaction_status=status,
        bank_code=str(params.get("vnp_BankCode") or ""),
        paid_at=parse_vnp_time(str(params.get("vnp_PayDate") or "")) if paid else None,
        raw={k: str(v) for k, v in params.items()},
    )


class VnpayProvider(Provider):
    """VNPAY for one merchant (terminal code and secret), with its two addresses."""

    name = "vnpay"

    def __init__(self, *, pay_url: str, api_url: str, tmn_code: str, hash_secret: str, order_type: str = "other",
                 timeout: float = 10.0):
        self.pay_url, self.api_url = pay_url, api_url
        self.tmn_code, self.secret = tmn_code, hash_secret
        self.order_type, self.timeout = order_type, timeout

    def order_info(self, order: Order) -> str:
        return ascii_text(order.description) or ascii_text(f"Thanh toan {order.reference}")

    def redirect_url(self, order: Order, *, return_url: str, client_ip: str) -> str:
        params = payment_params(tmn_code=self.tmn_code, order=order, order_info=self.order_info(order),
                                order_type=self.order_type, return_url=return_url, client_ip=client_ip)
        return url_with(self.pay_url, signed(self.secret, params))

    def verify_callback(self, params: Mapping[str, str]) -> GatewayResult:
        if not has_valid_signature(self.secret, params):
            raise SignatureError("vnp_SecureHash does not match")
        if str(params.get("vnp_TmnCode") or "") != self.tmn_code:
            raise SignatureError("vnp_TmnCode is another merchant's")
        return result_from(params)

    def query_status(self, order: Order, *, client_ip: str, now: datetime) -> GatewayResult:
        import secrets

        body = querydr_body(secret=self.secret, tmn_code=self.tmn_code, request_id=secrets.token_hex(16),
                            reference=order.reference, order_info=ascii_text(f"Tra cuu {order.reference}"),
                            transaction_date=order.started_at, now=now, client_ip=client_ip)
        answer = http_post_json(self.api_url, body, timeout=self.timeout)
        code = str(answer.get("vnp_ResponseCode") or "")
        if code == QUERYDR_NOT_FOUND:
            return GatewayResult(reference=order.reference, found=False, response_code=code, raw=answer)
        received = str(answer.get("vnp_SecureHash") or "")
        if not received or not hmac.compare_digest(received.lower(),
                                                    pipe_hash(self.secret, answer, QUERYDR_RESPONSE_ORDER)):
            raise SignatureError(f"querydr answer {code or '?'} is not signed by the gateway")
        if code != SUCCESS:
            raise GatewayError(f"querydr answered {code}: {answer.get('vnp_Message', '')}")
        if str(answer.get("vnp_TxnRef") or "") != order.reference or answer.get("vnp_TmnCode") != self.tmn_code:
            raise SignatureError("querydr answered about another order")
        return result_from(answer)

    def callback_answer(self, outcome: Outcome) -> dict:
        code, message = IPN_ANSWERS[outcome]
        return {"RspCode": code, "Message": message}
