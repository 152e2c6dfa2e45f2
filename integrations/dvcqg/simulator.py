"""A stand-in for the National Public Service Portal (DVCQG): a small standalone WSGI application (no Django
inside) for the contract tests, the benchmark and the demonstration (`manage.py dvcqg_simulator`).

It answers the three transports the one-stop system speaks (integrations/dvcqg/transport.py):

* session (the adapter): POST /auth {username, password} → {error_code, session}; POST /integration and
  POST /share with {session, madonvi, service, …}: DongBoHoSoMC, CapNhatTienDoHoSoMC, DongBoTrangThaiHoSo,
  DongBoDanhGia, TraCuuHoSo, LayThuTuc, LayDanhSachTTHC. Replies {error_code, message, result}; a missing or expired session
  is answered 401.
* gateway (KetNoiMotCuaQuocGia): POST …/ThemMoi, …/CapNhat (a JSON array of dossiers), …/DongBoTienTrinh (an
  array of progress steps, answered in plain text), …/DongBoTrangThaiHoSoKM, …/DongBoDanhGia (an array); GET …/LayDanhSachTTHC and
  …/LayThuTuc?maTTHC= (the result wrapped as a JSON string in `message`).
* oauth: POST /oauth/token (client credentials) → {access_token, expires_in}; POST /api/NoiHoSo,
  /api/CapNhatTrangThai, /api/CapNhatTienTrinh, /api/DongBoTrangThaiHoSo, /api/DongBoDanhGia with a bearer token; GET
  /api/LayDanhSachTTHC, /api/LayThuTuc.
  Replies {code, message, data}; 400 for a rejected message, 401 for a bad token.

Every field of every message is checked (simulator_checks.py); a rejected message gets the portal's error
shape with the reasons. Everything received is kept in memory (`calls`, `accepted`, `dossiers`, `progress`,
`ratings`) for
tests to inspect. Failures on demand: `down` (503 to everything), `reject_next(n)`, `fail_next(n)` (500).
A progress step or an update for a dossier the portal does not know is rejected, so a client that sends out of
order is caught.
"""

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from integrations.dvcqg.simulator_checks import check_dossier, check_progress, check_rating, check_status

GATEWAY = "/KetNoiMotCuaQuocGia"
OK_TEXT = "Đồng bộ thành công"

# The catalog the simulator serves (LayThuTuc's upper-case fields); tests and the demo may replace it.
DEMO_CATALOG = {
    "1.001193": {
        "ID": "1001193", "MATTHC": "1.001193", "TENTTHC": "Đăng ký khai sinh", "LOAITTHC": "1", "TRANGTHAI": 1,
        "NGAYCAPNHAT": "20250301080000",
        "LINHVUCTHUCHIEN": [{"MALINHVUC": "HOTICH", "TENLINHVUC": "Hộ tịch"}],
        "COQUANTHUCHIEN": [{"MADONVI": "H61.22.10", "TENDONVI": "Ủy ban nhân dân cấp xã"}],
        "CAPTHUCHIEN": [{"CAPTHUCHIEN": "3", "MOTACOQUANTHUCHIEN": "UBND cấp xã"}],
        "CACHTHUCTHUCHIEN": [{"KENH": "1", "THOIGIAN": [{"THOIGIANGIAIQUYET": "0", "DONVITINH": "Ngày",
                                                        "MOTA": "Ngay trong ngày tiếp nhận",
                                                        "PHILEPHI": [{"MAPHILEPHI": "2", "SOTIEN": "không",
                                                                      "MOTA": "Miễn lệ phí đúng hạn"}]}]}],
        "YEUCAU": "Đăng ký khai sinh trong thời hạn 60 ngày kể từ ngày sinh.",
        "KETQUATHUCHIEN": [{"MAKETQUA": "KQ.KS", "TENKETQUA": "Giấy khai sinh (bản chính)"}],
        "CANCUPHAPLY": [{"SOVANBAN": "60/2014/QH13", "TENVANBAN": "Luật Hộ tịch"}],
        "TRINHTUTHUCHIEN": [{"TRUONGHOP": "", "TRINHTU": [{"TENTRINHTU": "Nộp hồ sơ"},
                                                          {"TENTRINHTU": "Nhận kết quả"}]}],
        "THANHPHANHOSO": [{"TRUONGHOP": "", "GIAYTO": [
            {"MAGIAYTO": "TK01", "TENGIAYTO": "Tờ khai đăng ký khai sinh", "SOBANCHINH": "1", "SOBANSAO": "0"},
            {"MAGIAYTO": "CS01", "TENGIAYTO": "Giấy chứng sinh", "SOBANCHINH": "1", "SOBANSAO": "0"}]}],
    },
    "1.004227": {
        "ID": "1004227", "MATTHC": "1.004227", "TENTTHC": "Đăng ký thường trú", "LOAITTHC": "1", "TRANGTHAI": 1,
        "NGAYCAPNHAT": "20250315080000",
        "LINHVUCTHUCHIEN": [{"MALINHVUC": "CUTRU", "TENLINHVUC": "Đăng ký, quản lý cư trú"}],
        "COQUANTHUCHIEN": [{"MADONVI": "H61.22.10", "TENDONVI": "Công an cấp xã"}],
        "CAPTHUCHIEN": [{"CAPTHUCHIEN": "3"}],
        "CACHTHUCTHUCHIEN": [{"KENH": "2", "THOIGIAN": [{"THOIGIANGIAIQUYET": "7", "DONVITINH": "Ngày làm việc",
                                                        "PHILEPHI": [{"MAPHILEPHI": "2", "SOTIEN": "20.000",
                                                                      "MOTA": "Lệ phí đăng ký cư trú"}]}]}],
        "THANHPHANHOSO": [{"TRUONGHOP": "", "GIAYTO": [
            {"MAGIAYTO": "CT01", "TENGIAYTO": "Tờ khai thay đổi thông tin cư trú", "SOBANCHINH": "1"}]}],
    },
}


@dataclass
class Call:
    transport: str
    service: str
    body: object
    headers: dict
    accepted: bool
    reply: object
    at: float = field(default_factory=time.time)


class Simulator:
    """The portal's behaviour and memory. Thread-safe: the server answers each request in its own thread."""

    def __init__(self, *, username="motcua", password="motcua", client_id="motcua", client_secret="motcua",
                 session_ttl=3600, token_ttl=3600, catalog=None):
        self.username, self.password = username, password
        self.client_id, self.client_secret = client_id, client_secret
        self.session_ttl, self.token_ttl = session_ttl, token_ttl
        self.catalog = dict(DEMO_CATALOG if catalog is None else catalog)
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.calls: list[Call] = []
            self.accepted: list[tuple[str, str, str]] = []  # (service, MaHoSo, status code) in arrival order
            self.dossiers: dict[str, dict] = {}
            self.progress: dict[str, list[dict]] = {}
            self.statuses: dict[str, list[dict]] = {}
            # DongBoDanhGia: the latest item per (Madonvi, NgayTongHop, NoiDung), and how often each was received.
            self.ratings: dict[tuple[str, str, str], dict] = {}
            self.rating_deliveries: dict[tuple[str, str, str], int] = {}
            self.sessions: dict[str, float] = {}
            self.tokens: dict[str, float] = {}
            self.logins = 0
            self.down = False
            self._reject, self._reject_message, self._fail = 0, "", 0

    # ------------------------------------------------------------ failures on demand
    def reject_next(self, n: int = 1, message: str = "Dữ liệu hồ sơ không hợp lệ (giả lập)") -> None:
        with self.lock:
            self._reject, self._reject_message = n, message

    def fail_next(self, n: int = 1) -> None:
        with self.lock:
            self._fail = n

    def history(self, ma_ho_so: str) -> list[tuple[str, str]]:
        """(service, status code) of every message about one dossier the portal accepted, in order."""
        with self.lock:
            return [(service, status) for service, code, status in self.accepted if code == ma_ho_so]

    # ------------------------------------------------------------ WSGI
    def __call__(self, environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        raw = environ["wsgi.input"].read(length) if length else b""
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        headers["content-type"] = environ.get("CONTENT_TYPE", "")
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        with self.lock:
            if self.down:
                return _answer(start_response, 503, "Service Unavailable", "text/plain")
            if self._fail:
                self._fail -= 1
                return _answer(start_response, 500, "Internal Server Error", "text/plain")
        try:
            status, reply, content_type = self._route(method, path, raw, headers, query)
        except _BadRequest as exc:
            status, reply, content_type = 400, {"error_code": "-1", "message": str(exc)}, "application/json"
        return _answer(start_response, status, reply, content_type)

    def _route(self, method, path, raw, headers, query):
        if path == "/auth" and method == "POST":
            return self._login(_json(raw))
        if path in ("/integration", "/share") and method == "POST":
            return self._session_call(_json(raw), headers)
        if path.startswith(GATEWAY + "/"):
            return self._gateway(method, path[len(GATEWAY) + 1:], raw, headers, query)
        if path == "/oauth/token" and method == "POST":
            return self._token(raw)
        if path.startswith("/api/"):
            return self._oauth(method, path[5:], raw, headers, query)
        return 404, {"error_code": "-1", "message": f"Không có dịch vụ {path}"}, "application/json"

    # ------------------------------------------------------------ session transport
    def _login(self, body):
        ok = isinstance(body, dict) and body.get("username") == self.username and body.get(
            "password") == self.password
        with self.lock:
            self.logins += 1
            if not ok:
                return 200, {"error_code": -1, "message": "Sai tên đăng nhập hoặc mật khẩu"}, "application/json"
            token = secrets.token_hex(16)
            self.sessions[token] = time.time() + self.session_ttl
        return 200, {"error_code": 0, "session": token, "message": "Đăng nhập thành công"}, "application/json"

    def _session_call(self, body, headers):
        if not isinstance(body, dict):
            raise _BadRequest("Nội dung phải là đối tượng JSON")
        with self.lock:
            expiry = self.sessions.get(body.get("session") or "")
        if expiry is None or expiry < time.time():
            return 401, {"error_code": -1, "message": "Phiên làm việc không hợp lệ hoặc đã hết hạn"}, \
                "application/json"
        service = body.get("service", "")
        problems = [] if body.get("madonvi") else ["thiếu madonvi"]
        if service == "DongBoHoSoMC":
            if body.get("isUpdating") not in ("True", "False"):
                problems.append("isUpdating phải là \"True\" hoặc \"False\"")
            ok, message = self._dossiers("session", service, body.get("data"), body.get("isUpdating") == "True",
                                         body, headers, problems)
        elif service == "CapNhatTienDoHoSoMC":
            ok, message = self._progress("session", service, body.get("data"), body, headers, problems)
        elif service == "DongBoTrangThaiHoSo":
            if body.get("type") != "2":
                problems.append("type phải là \"2\"")
            ok, message = self._status("session", service, body.get("data"), body, headers, problems)
        elif service == "DongBoDanhGia":
            ok, message = self._ratings("session", service, body.get("data"), body, headers, problems)
        elif service in ("LayDanhSachTTHC", "LayThuTuc", "TraCuuHoSo"):
            result = self._lookup(service, body)
            self._record("session", service, body, headers, True, result)
            return 200, {"error_code": 0, "message": "Thành công", "result": result}, "application/json"
        else:
            ok, message = False, f"Không hỗ trợ dịch vụ {service!r}"
            self._record("session", service, body, headers, False, message)
        code = 0 if ok else ("3" if "đã tồn tại" in message else "-1")
        return 200, {"error_code": code, "message": message, "result": []}, "application/json"

    def _lookup(self, service, body):
        with self.lock:
            if service == "LayDanhSachTTHC":
                return [{"MATTHC": p["MATTHC"], "TENTTHC": p["TENTTHC"], "NGAYCAPNHAT": p.get("NGAYCAPNHAT", "")}
                        for p in self.catalog.values()]
            if service == "LayThuTuc":
                code = body.get("maTTHC", "")
                return [self.catalog[code]] if code in self.catalog else []
            code = body.get("mahoso", "")
            return [self.dossiers[code]] if code in self.dossiers else []

    # ------------------------------------------------------------ gateway transport
    def _gateway(self, method, name, raw, headers, query):
        if method == "GET" and name in ("LayDanhSachTTHC", "LayThuTuc"):
            result = self._lookup(name, {"maTTHC": query.get("maTTHC", "")})
            self._record("gateway", name, query, headers, True, result)
            return 200, {"error_code": "0", "message": json.dumps({"result": result}, ensure_ascii=False)}, \
                "application/json"
        if method != "POST":
            return 405, "Method Not Allowed", "text/plain"
        body = _json(raw)
        if name in ("ThemMoi", "CapNhat"):
            ok, message = self._dossiers("gateway", name, body, name == "CapNhat", body, headers, [])
        elif name == "DongBoTienTrinh":
            ok, message = self._progress("gateway", name, body, body, headers, [])
            return 200, (OK_TEXT if ok else message), "text/plain"
        elif name == "DongBoTrangThaiHoSoKM":
            data = body.get("data") if isinstance(body, dict) else None
            ok, message = self._status("gateway", name, data, body, headers, [])
        elif name == "DongBoDanhGia":
            ok, message = self._ratings("gateway", name, body, body, headers, [])
        else:
            return 404, {"error_code": "-1", "message": f"Không có dịch vụ {name}"}, "application/json"
        code = "0" if ok else ("3" if "đã tồn tại" in message else "-1")
        return 200, {"error_code": code, "message": message}, "application/json"

    # ------------------------------------------------------------ oauth transport
    def _token(self, raw):
        form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
        if (form.get("grant_type") != "client_credentials" or form.get("client_id") != self.client_id
                or form.get("client_secret") != self.client_secret):
            return 401, {"code": "401", "message": "Sai thông tin ứng dụng"}, "application/json"
        with self.lock:
            self.logins += 1
            token = secrets.token_hex(16)
            self.tokens[token] = time.time() + self.token_ttl
        return 200, {"access_token": token, "expires_in": self.token_ttl, "token_type": "Bearer",
                     "scope": form.get("scope", "")}, "application/json"

    def _oauth(self, method, name, raw, headers, query):
        auth = headers.get("authorization", "")
        with self.lock:
            expiry = self.tokens.get(auth[7:] if auth.startswith("Bearer ") else "")
        if expiry is None or expiry < time.time():
            return 401, {"code": "401", "message": "Mã truy cập không hợp lệ hoặc đã hết hạn"}, "application/json"
        if method == "GET" and name in ("LayDanhSachTTHC", "LayThuTuc"):
            result = self._lookup(name, {"maTTHC": query.get("maTTHC", "")})
            self._record("oauth", name, query, headers, True, result)
            data = result if name == "LayDanhSachTTHC" else (result[0] if result else None)
            return 200, {"code": "200", "message": "Thành công", "data": data}, "application/json"
        body = _json(raw)
        if name == "NoiHoSo":
            ok, message = self._dossiers("oauth", name, [body], False, body, headers, [])
        elif name == "CapNhatTrangThai":
            ok, message = self._dossiers("oauth", name, body, True, body, headers, [])
        elif name == "CapNhatTienTrinh":
            ok, message = self._progress("oauth", name, body, body, headers, [], iso=True)
        elif name == "DongBoTrangThaiHoSo":
            data = body.get("data") if isinstance(body, dict) else None
            ok, message = self._status("oauth", name, data, body, headers, [])
        elif name == "DongBoDanhGia":
            ok, message = self._ratings("oauth", name, body, body, headers, [])
        else:
            return 404, {"code": "404", "message": f"Không có API {name}"}, "application/json"
        return (200 if ok else 400), {"code": "200" if ok else "400", "message": message, "data": None}, \
            "application/json"

    # ------------------------------------------------------------ the messages themselves
    def _take_rejection(self) -> str | None:
        with self.lock:
            if self._reject:
                self._reject -= 1
                return self._reject_message
        return None

    def _dossiers(self, transport, service, items, updating, body, headers, problems):
        if not isinstance(items, list) or not items:
            problems = [*problems, "data phải là danh sách hồ sơ"]
            items = []
        for number, item in enumerate(items, 1):
            problems += [f"hồ sơ {number}: {p}" for p in check_dossier(item)]
        with self.lock:
            if not problems:
                for item in items:
                    known = item["MaHoSo"] in self.dossiers
                    if known and not updating:
                        problems.append(f"Hồ sơ {item['MaHoSo']} đã tồn tại")
                    elif updating and not known:
                        problems.append(f"Hồ sơ {item['MaHoSo']} không tồn tại trên Cổng")
        return self._finish(transport, service, body, headers, problems, items, kind="dossier")

    def _progress(self, transport, service, items, body, headers, problems, iso=False):
        if not isinstance(items, list) or not items:
            problems = [*problems, "data phải là danh sách tiến độ"]
            items = []
        for number, item in enumerate(items, 1):
            problems += [f"tiến độ {number}: {p}" for p in check_progress(item, iso=iso)]
        with self.lock:
            if not problems:
                problems += [f"Hồ sơ {item['MaHoSo']} chưa được đồng bộ lên Cổng" for item in items
                             if item["MaHoSo"] not in self.dossiers]
        return self._finish(transport, service, body, headers, problems, items, kind="progress")

    def _status(self, transport, service, item, body, headers, problems):
        problems = problems + check_status(item)
        return self._finish(transport, service, body, headers, problems, [item] if not problems else [],
                            kind="status")

    def _ratings(self, transport, service, items, body, headers, problems):
        if not isinstance(items, list) or not items:
            problems = [*problems, "data phải là danh sách đánh giá"]
            items = []
        for number, item in enumerate(items, 1):
            problems += [f"đánh giá {number}: {p}" for p in check_rating(item)]
        return self._finish(transport, service, body, headers, problems, items, kind="rating")

    def _finish(self, transport, service, body, headers, problems, items, *, kind):
        if not problems:
            injected = self._take_rejection()
            if injected:
                problems = [injected]
        ok = not problems
        message = OK_TEXT if ok else "Dữ liệu không hợp lệ: " + "; ".join(problems)
        if problems and any("đã tồn tại" in p for p in problems):
            message = "; ".join(problems)
        with self.lock:
            if ok:
                for item in items:
                    if kind == "rating":  # a repeated month replaces the earlier figures (idempotent)
                        key = (item["Madonvi"], item["NgayTongHop"], item["NoiDung"])
                        self.ratings[key] = item
                        self.rating_deliveries[key] = self.rating_deliveries.get(key, 0) + 1
                        self.accepted.append((service, f"{key[0]}/{key[1]}", item["TongSoNguoiDanhGia"]))
                        continue
                    code = item["MaHoSo"]
                    if kind == "dossier":
                        self.dossiers[code] = item
                        status = item["TrangThaiHoSo"]
                    elif kind == "progress":
                        self.progress.setdefault(code, []).append(item)
                        status = str(item["TrangThai"])
                    else:
                        self.statuses.setdefault(code, []).append(item)
                        status = item["TrangThai"]
                    self.accepted.append((service, code, status))
        self._record(transport, service, body, headers, ok, message)
        return ok, message

    def _record(self, transport, service, body, headers, ok, reply):
        with self.lock:
            self.calls.append(Call(transport, service, body, {k: v for k, v in headers.items()
                                                               if k in ("dstcode", "authorization")}, ok, reply))


class _BadRequest(Exception):
    pass


def _json(raw: bytes):
    try:
        return json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _BadRequest(f"Nội dung không phải JSON hợp lệ: {exc}") from None


def _answer(start_response, status: int, reply, content_type: str):
    reasons = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
               500: "Internal Server Error", 503: "Service Unavailable"}
    body = (reply if isinstance(reply, str) else json.dumps(reply, ensure_ascii=False)).encode("utf-8")
    start_response(f"{status} {reasons.get(status, 'Error')}",
                   [("Content-Type", f"{content_type}; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]


# ---------------------------------------------------------------- serving it
class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    # wsgiref writes the status line, the headers and the body separately: without TCP_NODELAY each reply would
    # wait for the client's delayed acknowledgement (about 40 ms on Linux).
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@dataclass
class Running:
    simulator: Simulator
    server: WSGIServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def start(simulator: Simulator | None = None, *, host: str = "127.0.0.1", port: int = 0) -> Running:
    """Serve a simulator on host:port (0: any free port) in a background thread."""
    simulator = simulator or Simulator()
    server = make_server(host, port, simulator, server_class=_Server, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
                              name="dvcqg-simulator")
    thread.start()
    return Running(simulator, server, thread)
