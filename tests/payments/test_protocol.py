"""VNPAY's protocol (payments/providers/vnpay.py), without Django or a network: what is signed, in which order,
how, and what a tampered message looks like."""

import hashlib
import hmac
import urllib.parse
from datetime import UTC, datetime

import pytest

from payments.formatting import amount_in_words, vnd
from payments.providers import vnpay
from payments.providers.base import Order, Outcome, SignatureError
from payments.providers.vnpay import VnpayProvider

SECRET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
ORDER = Order(reference="H61.22.10-250310-0001-TT01", amount=1_500_000, description="Nộp lệ phí trước bạ – đất",
              started_at=datetime(2025, 3, 11, 3, 0, tzinfo=UTC), expires_at=datetime(2025, 3, 11, 3, 15, tzinfo=UTC))


def provider(**kwargs):
    return VnpayProvider(pay_url="https://sandbox.vnpayment.vn/paymentv2/vpcpay.html",
                         api_url="https://sandbox.vnpayment.vn/merchant_webapi/api/transaction",
                         tmn_code="TESTTMN1", hash_secret=SECRET, **kwargs)


def test_the_payment_url_carries_the_documented_parameters_signed_in_order():
    url = provider().redirect_url(ORDER, return_url="https://motcua.example.gov.vn/thanh-toan/ket-qua/vnpay/",
                                  client_ip="203.0.113.7")
    base, query = url.split("?", 1)
    assert base == "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html"
    signed_part, hash_part = query.rsplit("&vnp_SecureHash=", 1)
    assert signed_part == (
        "vnp_Amount=150000000&vnp_Command=pay&vnp_CreateDate=20250311100000&vnp_CurrCode=VND"
        "&vnp_ExpireDate=20250311101500&vnp_IpAddr=203.0.113.7&vnp_Locale=vn"
        "&vnp_OrderInfo=Nop+le+phi+truoc+ba+dat&vnp_OrderType=other"
        "&vnp_ReturnUrl=https%3A%2F%2Fmotcua.example.gov.vn%2Fthanh-toan%2Fket-qua%2Fvnpay%2F"
        "&vnp_TmnCode=TESTTMN1&vnp_TxnRef=H61.22.10-250310-0001-TT01&vnp_Version=2.1.0")
    assert hash_part == hmac.new(SECRET.encode(), signed_part.encode(), hashlib.sha512).hexdigest()
    assert len(hash_part) == 128


def test_a_callback_is_verified_and_any_change_is_refused():
    params = vnpay.signed(SECRET, {"vnp_TmnCode": "TESTTMN1", "vnp_Amount": "150000000", "vnp_TxnRef": ORDER.reference,
                                   "vnp_ResponseCode": "00", "vnp_TransactionStatus": "00",
                                   "vnp_TransactionNo": "14123456", "vnp_BankCode": "NCB",
                                   "vnp_PayDate": "20250311100500", "vnp_OrderInfo": "Nop le phi"})
    result = provider().verify_callback({**params, "vnp_SecureHashType": "HmacSHA512"})  # excluded from the hash
    assert (result.paid, result.amount, result.transaction_id, result.reference) == (
        True, 1_500_000, "14123456", ORDER.reference)
    assert result.paid_at == datetime(2025, 3, 11, 3, 5, tzinfo=UTC)
    assert provider().verify_callback({**params, "vnp_SecureHash": params["vnp_SecureHash"].upper()}).paid
    for name in ("vnp_Amount", "vnp_TxnRef", "vnp_ResponseCode", "vnp_OrderInfo"):
        with pytest.raises(SignatureError):
            provider().verify_callback({**params, name: params[name] + "1"})
    with pytest.raises(SignatureError):
        provider().verify_callback({**params, "vnp_Extra": "x"})  # an added vnp_ parameter is signed too
    other = VnpayProvider(pay_url="", api_url="", tmn_code="OTHER001", hash_secret=SECRET)
    with pytest.raises(SignatureError):
        other.verify_callback(params)


@pytest.mark.parametrize("code, status, paid, failed", [
    ("00", "00", True, False), ("24", "02", False, True), ("00", "01", False, False), ("07", "07", False, True),
])
def test_success_needs_both_codes(code, status, paid, failed):
    result = vnpay.result_from({"vnp_TxnRef": "R", "vnp_Amount": "100", "vnp_ResponseCode": code,
                                "vnp_TransactionStatus": status, "vnp_TransactionNo": "0"})
    assert (result.paid, result.failed, result.transaction_id) == (paid, failed, "")


def test_querydr_is_signed_over_the_documented_pipe_order():
    body = vnpay.querydr_body(secret=SECRET, tmn_code="TESTTMN1", request_id="REQ1", reference=ORDER.reference,
                              order_info="Tra cuu", transaction_date=ORDER.started_at,
                              now=datetime(2025, 3, 11, 3, 30, tzinfo=UTC), client_ip="10.0.0.1")
    data = "REQ1|2.1.0|querydr|TESTTMN1|H61.22.10-250310-0001-TT01|20250311100000|20250311103000|10.0.0.1|Tra cuu"
    assert body["vnp_SecureHash"] == hmac.new(SECRET.encode(), data.encode(), hashlib.sha512).hexdigest()
    answer = {"vnp_ResponseId": "R9", "vnp_Command": "querydr", "vnp_ResponseCode": "00", "vnp_Message": "OK",
              "vnp_TmnCode": "TESTTMN1", "vnp_TxnRef": "T1", "vnp_Amount": "100", "vnp_BankCode": "NCB",
              "vnp_PayDate": "20250311100500", "vnp_TransactionNo": "77", "vnp_TransactionType": "01",
              "vnp_TransactionStatus": "00", "vnp_OrderInfo": "x", "vnp_PromotionCode": "", "vnp_PromotionAmount": ""}
    expected = "R9|querydr|00|OK|TESTTMN1|T1|100|NCB|20250311100500|77|01|00|x||"
    assert vnpay.pipe_hash(SECRET, answer, vnpay.QUERYDR_RESPONSE_ORDER) == hmac.new(
        SECRET.encode(), expected.encode(), hashlib.sha512).hexdigest()


def test_values():
    assert vnpay.vnp_time(datetime(2025, 12, 31, 17, 0, 5, tzinfo=UTC)) == "20260101000005"  # GMT+7
    assert vnpay.parse_vnp_time("20260101000005") == datetime(2025, 12, 31, 17, 0, 5, tzinfo=UTC)
    assert vnpay.parse_vnp_time("2026-01-01") is None
    assert (vnpay.amount_from("150000000"), vnpay.amount_from("150000050"), vnpay.amount_from("x")) == (
        1_500_000, None, None)
    assert vnpay.ascii_text("Đăng ký khai sinh – lệ phí: 50.000đ (#1)") == "Dang ky khai sinh le phi: 50.000d 1"
    assert vnpay.canonical({"b": "1", "vnp_B": "x y", "vnp_A": "ã&=", "vnp_SecureHash": "h"}) == (
        "vnp_A=%C3%A3%26%3D&vnp_B=x+y")
    assert urllib.parse.quote_plus("~") == "~"  # (PHP's urlencode gives %7E: our texts never hold "~")
    assert provider().callback_answer(Outcome.BAD_AMOUNT) == {"RspCode": "04", "Message": "Invalid amount"}


@pytest.mark.parametrize("amount, words", [
    (1_500_000, "Một triệu năm trăm nghìn đồng"), (1_000_005, "Một triệu không trăm linh năm đồng"),
    (15_000, "Mười lăm nghìn đồng"), (21_000, "Hai mươi mốt nghìn đồng"), (105_000, "Một trăm linh năm nghìn đồng"),
    (2_000_000_000, "Hai tỷ đồng"), (50_000, "Năm mươi nghìn đồng"), (1_010_000, "Một triệu không trăm mười nghìn đồng"),
])
def test_amounts_in_words(amount, words):
    assert amount_in_words(amount) == words


def test_amounts_with_dots():
    assert (vnd(1_500_000), vnd(0), vnd(999)) == ("1.500.000 đ", "0 đ", "999 đ")
