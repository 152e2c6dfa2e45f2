"""A VNPAY gateway simulator: a small standalone WSGI application (no Django), the gateway's side of the protocol
in payments/providers/vnpay.py.

* GET  /paymentv2/vpcpay.html?vnp_…   the payment page: checks the merchant's signature and terminal code, shows
                                       the amount and the order, with "Thanh toán" and "Hủy".
* POST /paymentv2/vpcpay.html          the customer's choice: the transaction is recorded (paid: response 00,
                                       status 00; cancelled: response 24, status 02), the signed IPN is sent to
                                       the merchant's IPN address server to server (as VNPAY does, to the
                                       address declared for the merchant), then the browser is sent to
                                       vnp_ReturnUrl with the signed result. After vnp_ExpireDate the
                                       answer is 11 (expired), paid or not.
* POST /merchant_webapi/api/transaction   querydr (JSON in, signed JSON out).

Tests serve it with wsgiref on a loopback port; with the embedded default settings Django also serves it under
/thanh-toan/thu-nghiem/ (payments/views.py) so that `make run` shows the whole flow. `deliver_ipn = False` keeps
the IPN from leaving (a lost callback, for the reconciliation). `ipn_answers` keeps what the merchant answered,
`queries` the references asked about with querydr.
"""

from __future__ import annotations

import html
import itertools
import json
import threading
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode

from payments.providers import vnpay
from payments.providers.base import GatewayError

PAY_PATH = "/paymentv2/vpcpay.html"
API_PATH = "/merchant_webapi/api/transaction"
MAX_BODY = 64 * 1024
EXPIRED = "11"  # "Đã hết hạn chờ thanh toán": paid after vnp_ExpireDate


class GatewaySimulator:
    def __init__(self, *, tmn_code: str, hash_secret: str, ipn_url: str, bank_code: str = "NCB",
                 deliver_ipn: bool = True, timeout: float = 10.0, clock=None):
        self.tmn_code, self.secret, self.ipn_url = tmn_code, hash_secret, ipn_url
        self.bank_code, self.deliver_ipn, self.timeout = bank_code, deliver_ipn, timeout
        self.clock = clock or (lambda: datetime.now(UTC))
        self.transactions: dict[str, dict[str, str]] = {}  # vnp_TxnRef -> the result parameters (unsigned)
        self.ipn_answers: list[dict] = []
        self.queries: list[str] = []  # the vnp_TxnRef of each querydr received
        self._numbers = itertools.count(14_000_001)
        self._lock = threading.Lock()

    # ------------------------------------------------------------ WSGI
    def __call__(self, environ, start_response):
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == PAY_PATH and method == "GET":
            return self._page(environ, start_response)
        if path == PAY_PATH and method == "POST":
            return self._choice(environ, start_response)
        if path == API_PATH and method == "POST":
            return self._querydr(environ, start_response)
        return _respond(start_response, "404 Not Found", _html("Không tìm thấy", "<p>Địa chỉ không tồn tại.</p>"))

    def _merchant_params(self, query: str) -> dict[str, str] | None:
        params = dict(parse_qsl(query, keep_blank_values=True))
        if not vnpay.has_valid_signature(self.secret, params) or params.get("vnp_TmnCode") != self.tmn_code:
            return None
        if vnpay.amount_from(params.get("vnp_Amount")) is None or not params.get("vnp_TxnRef"):
            return None
        return params

    def _page(self, environ, start_response):
        query = environ.get("QUERY_STRING", "")
        params = self._merchant_params(query)
        if params is None:
            return _respond(start_response, "400 Bad Request", _html(
                "Sai chữ ký", "<p>Yêu cầu thanh toán không hợp lệ (mã 97: sai chữ ký hoặc mã website).</p>"))
        amount = vnpay.amount_from(params["vnp_Amount"])
        done = self.transactions.get(params["vnp_TxnRef"], {}).get("vnp_ResponseCode") == vnpay.SUCCESS
        form = "" if done else (
            f'<form method="post" action="{html.escape(environ.get("SCRIPT_NAME", "") + PAY_PATH)}">'
            f'<input type="hidden" name="q" value="{html.escape(query)}">'
            '<button type="submit" name="action" value="pay">Thanh toán</button> '
            '<button type="submit" name="action" value="cancel">Hủy</button></form>')
        body = (f"<p>Cổng thanh toán thử nghiệm (mô phỏng VNPAY). Không có tiền thật.</p>"
                f"<dl><dt>Số tiền</dt><dd id=\"amount\">{_money(amount)} VND</dd>"
                f"<dt>Nội dung</dt><dd id=\"order-info\">{html.escape(params.get('vnp_OrderInfo', ''))}</dd>"
                f"<dt>Mã giao dịch của đơn vị</dt><dd>{html.escape(params['vnp_TxnRef'])}</dd></dl>"
                + ("<p>Giao dịch này đã được thanh toán.</p>" if done else form))
        return _respond(start_response, "200 OK", _html("Thanh toán", body))

    def _choice(self, environ, start_response):
        form = dict(parse_qsl(_read(environ).decode("utf-8", "replace"), keep_blank_values=True))
        params = self._merchant_params(form.get("q", ""))
        if params is None or form.get("action") not in ("pay", "cancel"):
            return _respond(start_response, "400 Bad Request", _html("Sai chữ ký", "<p>Yêu cầu không hợp lệ.</p>"))
        now = self.clock()
        expires = vnpay.parse_vnp_time(params.get("vnp_ExpireDate"))
        late = expires is not None and now > expires
        paid = form["action"] == "pay" and not late
        with self._lock:
            if self.transactions.get(params["vnp_TxnRef"], {}).get("vnp_ResponseCode") == vnpay.SUCCESS:
                return _respond(start_response, "409 Conflict", _html("Đã thanh toán", "<p>Giao dịch đã tồn tại.</p>"))
            result = {
                "vnp_TmnCode": self.tmn_code,
                "vnp_Amount": params["vnp_Amount"],
                "vnp_BankCode": self.bank_code,
                "vnp_BankTranNo": f"VNP{next(self._numbers)}" if paid else "",
                "vnp_CardType": "ATM",
                "vnp_OrderInfo": params.get("vnp_OrderInfo", ""),
                "vnp_PayDate": vnpay.vnp_time(now),
                "vnp_ResponseCode": vnpay.SUCCESS if paid else (EXPIRED if late else vnpay.CANCELLED),
                "vnp_TransactionNo": str(next(self._numbers)) if paid else "0",
                "vnp_TransactionStatus": vnpay.SUCCESS if paid else "02",
                "vnp_TxnRef": params["vnp_TxnRef"],
                "_order_info": params.get("vnp_OrderInfo", ""),
                "_create_date": params.get("vnp_CreateDate", ""),
            }
            self.transactions[params["vnp_TxnRef"]] = result
        signed = self.signed_result(params["vnp_TxnRef"])
        if self.deliver_ipn:
            self.send_ipn(signed)
        return _respond(start_response, "302 Found", b"",
                        [("Location", params["vnp_ReturnUrl"] + ("&" if "?" in params["vnp_ReturnUrl"] else "?")
                          + urlencode(signed))])

    def signed_result(self, reference: str) -> dict[str, str]:
        """The result parameters of a recorded transaction, signed as the return URL and the IPN carry them."""
        result = {k: v for k, v in self.transactions[reference].items() if k.startswith("vnp_")}
        return vnpay.signed(self.secret, result)

    def send_ipn(self, params: dict[str, str]) -> dict:
        """The IPN, server to server: a GET to the merchant's IPN address; its JSON answer is kept."""
        url = self.ipn_url + ("&" if "?" in self.ipn_url else "?") + urlencode(params)
        try:
            answer = vnpay.http_get_json(url, timeout=self.timeout)
        except GatewayError as exc:
            answer = {"error": str(exc)}
        self.ipn_answers.append(answer)
        return answer

    def _querydr(self, environ, start_response):
        try:
            body = json.loads(_read(environ).decode("utf-8"))
            assert isinstance(body, dict)
        except (ValueError, AssertionError):
            return _json(start_response, {"vnp_ResponseCode": "03", "vnp_Message": "Invalid format"})
        received = str(body.get("vnp_SecureHash") or "")
        expected = vnpay.pipe_hash(self.secret, body, vnpay.QUERYDR_REQUEST_ORDER)
        if received.lower() != expected or body.get("vnp_TmnCode") != self.tmn_code:
            return _json(start_response, {"vnp_ResponseCode": "97", "vnp_Message": "Invalid checksum"})
        self.queries.append(str(body.get("vnp_TxnRef") or ""))
        stored = self.transactions.get(str(body.get("vnp_TxnRef") or ""))
        if stored is None:
            return _json(start_response, {"vnp_ResponseCode": vnpay.QUERYDR_NOT_FOUND,
                                          "vnp_Message": "Transaction not found"})
        answer = {
            "vnp_ResponseId": str(next(self._numbers)),
            "vnp_Command": vnpay.QUERYDR_COMMAND,
            "vnp_ResponseCode": vnpay.SUCCESS,
            "vnp_Message": "QueryDR Success",
            "vnp_TmnCode": self.tmn_code,
            "vnp_TxnRef": stored["vnp_TxnRef"],
            "vnp_Amount": stored["vnp_Amount"],
            "vnp_BankCode": stored["vnp_BankCode"],
            "vnp_PayDate": stored["vnp_PayDate"],
            "vnp_TransactionNo": stored["vnp_TransactionNo"],
            "vnp_TransactionType": "01",
            "vnp_TransactionStatus": stored["vnp_TransactionStatus"],
            "vnp_OrderInfo": stored["_order_info"],
            "vnp_PromotionCode": "",
            "vnp_PromotionAmount": "",
        }
        answer["vnp_SecureHash"] = vnpay.pipe_hash(self.secret, answer, vnpay.QUERYDR_RESPONSE_ORDER)
        return _json(start_response, answer)


# ---------------------------------------------------------------- helpers
def _read(environ) -> bytes:
    try:
        length = min(int(environ.get("CONTENT_LENGTH") or 0), MAX_BODY)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(length) if length > 0 else b""


def _money(amount: int | None) -> str:
    return f"{amount or 0:,}".replace(",", ".")


def _html(title: str, body: str) -> bytes:
    return (f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{html.escape(title)} – Cổng '
            f'thanh toán thử nghiệm</title></head><body><h1>{html.escape(title)}</h1>{body}</body></html>'
            ).encode()


def _respond(start_response, status: str, body: bytes, headers=()):
    start_response(status, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body))),
                            ("Cache-Control", "no-store"), *headers])
    return [body]


def _json(start_response, data: dict):
    body = json.dumps(data).encode("utf-8")
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def serve(simulator: GatewaySimulator, host: str = "127.0.0.1", port: int = 0):
    """Serve the simulator in a daemon thread (wsgiref, one thread per request); returns (server, base URL)."""
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):  # no request lines on stderr
            pass

    class Threaded(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    server = make_server(host, port, simulator, server_class=Threaded, handler_class=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://{host}:{server.server_port}"
