"""Talking to the portal over HTTP (the standard library's http.client, JSON), in one of three variants chosen by DVCQG["TRANSPORT"]:

* `session` — the DVCQG adapter: POST {URL}{AUTH_PATH} {username, password} gives a session, reused for
  SESSION_REUSE_SECONDS (10 minutes) and renewed once when the portal answers 401; every call is a POST of
  {session, madonvi, service, …} to {URL}{INTEGRATION_PATH} (dossiers, progress, procedure details) or
  {URL}{SHARE_PATH} (lists), with the `dstcode` header when DSTCODE is set. Reply {error_code, message, result};
  error_code 0, "0" or "00" is success.
* `gateway` — the province's KetNoiMotCuaQuocGia gateway, which authenticates on our behalf: a JSON array to the
  create, update and progress paths; the catalog by GET, its result wrapped as a JSON string in `message`.
* `oauth` — client credentials at {URL}{OAUTH_TOKEN_PATH} (the token reused until shortly before it expires),
  then bearer calls; reply {code, message, data}.

What a call can end in: a `Reply` (ok, or the portal's refusal with its message), or a `TransportError` (the
portal could not be reached or did not answer sensibly: time-out, refused connection, 5xx, 404/429, a failed
sign-in). A refusal parks the row for a person; a TransportError is retried with back-off, without end.
"""

import json
import logging
import urllib.parse
from dataclasses import dataclass
from http import client as http_client

from django.core.cache import cache
from django.utils import timezone

from integrations.dvcqg import config

log = logging.getLogger(__name__)

SUCCESS_CODES = (0, "0", "00", 200, "200")
TRANSIENT_HTTP = (403, 404, 408, 425, 429)


class TransportError(Exception):
    """The portal could not be reached or gave no usable answer: try again later."""


class AuthError(TransportError):
    """Signing in failed, or the portal refused our session or token."""


@dataclass
class Reply:
    ok: bool
    message: str = ""
    data: object = None


def http(method: str, url: str, *, body: bytes | None = None, headers: dict | None = None) -> tuple[int, str]:
    """One request on a fresh connection (http.client: no proxy lookup or handler chain per call); (status,
    text). Network failures and time-outs raise TransportError."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TransportError(f"Địa chỉ Cổng DVCQG không hợp lệ: {url!r}")
    kind = http_client.HTTPSConnection if parts.scheme == "https" else http_client.HTTPConnection
    connection = kind(parts.hostname, parts.port, timeout=config.timeout())
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(method, target, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    except (OSError, http_client.HTTPException) as exc:
        raise TransportError(f"Không kết nối được Cổng DVCQG ({url}): {exc}") from None
    finally:
        connection.close()


def _json_headers() -> dict:
    return {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}


def _dump(value) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def _parse(status: int, text: str, *, plain_ok: bool = False) -> Reply:
    """The reply of a data call: transient problems raise, the portal's verdict is returned."""
    if status == 401:
        raise AuthError(f"Cổng DVCQG từ chối xác thực (HTTP 401): {text[:200]}")
    if status >= 500 or status in TRANSIENT_HTTP:
        raise TransportError(f"Cổng DVCQG trả lời HTTP {status}: {text[:200]}")
    try:
        reply = json.loads(text)
    except ValueError:
        reply = None
    if not isinstance(reply, dict):
        if plain_ok and status == 200 and "thành công" in text.lower():
            return Reply(True, text.strip())
        if status == 200 and plain_ok:
            return Reply(False, text.strip()[:2000] or "Cổng DVCQG không trả lời nội dung")
        raise TransportError(f"Cổng DVCQG trả lời không phải JSON (HTTP {status}): {text[:200]}")
    code = reply.get("error_code", reply.get("code"))
    message = str(reply.get("message", ""))
    data = reply.get("result", reply.get("data"))
    ok = status == 200 and (code in SUCCESS_CODES or (code is None and "error_code" not in reply))
    return Reply(ok, message, data)


class Transport:
    name = ""

    def push_dossier(self, item: dict, *, updating: bool) -> Reply:
        raise NotImplementedError

    def push_progress(self, item: dict) -> Reply:
        raise NotImplementedError

    def push_status(self, item: dict) -> Reply:
        raise NotImplementedError

    def push_ratings(self, items: list[dict]) -> Reply:
        """DongBoDanhGia: the month's ratings summary (integrations/ratings.py)."""
        raise NotImplementedError

    def list_procedures(self) -> list[dict]:
        raise NotImplementedError

    def get_procedure(self, code: str) -> dict | None:
        raise NotImplementedError


def _cached_token(key: str) -> str | None:
    entry = cache.get(key)
    if entry and entry.get("expires", 0) > timezone.now().timestamp():
        return entry["token"]
    return None


def _keep_token(key: str, token: str, seconds: float) -> None:
    seconds = max(int(seconds), 1)
    cache.set(key, {"token": token, "expires": timezone.now().timestamp() + seconds}, timeout=seconds)


class SessionTransport(Transport):
    name = config.SESSION

    def _key(self) -> str:
        return f"integrations:dvcqg:session:{config.url()}:{config.option('USERNAME')}"

    def session(self, *, fresh: bool = False) -> str:
        """The session, reused for SESSION_REUSE_SECONDS after sign-in."""
        if not fresh:
            token = _cached_token(self._key())
            if token:
                return token
        headers = _json_headers()
        if config.option("DSTCODE"):
            headers["dstcode"] = str(config.option("DSTCODE"))
        status, text = http("POST", config.url(config.option("AUTH_PATH")), headers=headers, body=_dump(
            {"username": config.option("USERNAME"), "password": config.option("PASSWORD")}))
        try:
            reply = json.loads(text)
        except ValueError:
            reply = {}
        if status >= 500:
            raise TransportError(f"Cổng DVCQG trả lời HTTP {status} khi đăng nhập")
        if not isinstance(reply, dict) or reply.get("error_code") not in SUCCESS_CODES or not reply.get("session"):
            message = reply.get("message", "") if isinstance(reply, dict) else ""
            raise AuthError(f"Đăng nhập Cổng DVCQG không thành công: {message or f'HTTP {status}'}")
        _keep_token(self._key(), reply["session"], int(config.option("SESSION_REUSE_SECONDS")))
        return reply["session"]

    def call(self, service: str, fields: dict, *, share: bool = False) -> Reply:
        path = config.option("SHARE_PATH" if share else "INTEGRATION_PATH")
        headers = _json_headers()
        headers["dstcode"] = str(config.option("DSTCODE"))
        for fresh in (False, True):
            body = {"session": self.session(fresh=fresh), "madonvi": config.option("MADONVI"), "service": service,
                    **fields}
            status, text = http("POST", config.url(path), body=_dump(body), headers=headers)
            try:
                return _parse(status, text)
            except AuthError:
                cache.delete(self._key())
                if fresh:
                    raise
        raise AssertionError("unreachable")

    def push_dossier(self, item, *, updating):
        return self.call("DongBoHoSoMC", {"isUpdating": "True" if updating else "False", "data": [item]})

    def push_progress(self, item):
        return self.call("CapNhatTienDoHoSoMC", {"data": [item]})

    def push_status(self, item):
        return self.call("DongBoTrangThaiHoSo", {"type": "2", "data": item})

    def push_ratings(self, items):
        return self.call("DongBoDanhGia", {"data": items})

    def list_procedures(self):
        reply = self.call("LayDanhSachTTHC", {}, share=True)
        return _list_or_raise(reply)

    def get_procedure(self, code):
        reply = self.call("LayThuTuc", {"maTTHC": code})
        items = _list_or_raise(reply)
        return items[0] if items else None


def _list_or_raise(reply: Reply) -> list:
    if not reply.ok:
        raise TransportError(f"Cổng DVCQG từ chối: {reply.message}")
    data = reply.data
    if isinstance(data, dict):
        data = data.get("result", data.get("data", [data]))
    return data if isinstance(data, list) else []


class GatewayTransport(Transport):
    name = config.GATEWAY

    def _post(self, path_name: str, body, *, plain_ok=False) -> Reply:
        status, text = http("POST", config.url(config.option(path_name)), body=_dump(body), headers=_json_headers())
        return _parse(status, text, plain_ok=plain_ok)

    def push_dossier(self, item, *, updating):
        return self._post("GATEWAY_UPDATE_PATH" if updating else "GATEWAY_CREATE_PATH", [item])

    def push_progress(self, item):
        return self._post("GATEWAY_PROGRESS_PATH", [item], plain_ok=True)

    def push_status(self, item):
        return self._post("GATEWAY_STATUS_PATH", {"service": "DongBoTrangThaiHoSo", "type": "2", "data": item})

    def push_ratings(self, items):
        return self._post("GATEWAY_RATINGS_PATH", items)

    def _get(self, path_name: str, query: dict | None = None) -> list:
        url = config.url(config.option(path_name)) + (f"?{urllib.parse.urlencode(query)}" if query else "")
        status, text = http("GET", url, headers={"Accept": "application/json"})
        reply = _parse(status, text)
        if not reply.ok:
            raise TransportError(f"Cổng DVCQG từ chối: {reply.message}")
        try:  # the gateway wraps the portal's reply as a JSON string in `message`
            inner = json.loads(reply.message) if reply.message else {}
        except ValueError:
            inner = {}
        return _list_or_raise(Reply(True, "", inner if inner else reply.data))

    def list_procedures(self):
        return self._get("GATEWAY_LIST_PATH")

    def get_procedure(self, code):
        items = self._get("GATEWAY_PROCEDURE_PATH", {"maTTHC": code})
        return items[0] if items else None


class OAuthTransport(Transport):
    name = config.OAUTH

    def _key(self) -> str:
        return f"integrations:dvcqg:oauth:{config.url()}:{config.option('OAUTH_CLIENT_ID')}"

    def token(self, *, fresh: bool = False) -> str:
        if not fresh:
            token = _cached_token(self._key())
            if token:
                return token
        form = {"grant_type": "client_credentials", "client_id": config.option("OAUTH_CLIENT_ID"),
                "client_secret": config.option("OAUTH_CLIENT_SECRET")}
        if config.option("OAUTH_SCOPE"):
            form["scope"] = config.option("OAUTH_SCOPE")
        status, text = http("POST", config.url(config.option("OAUTH_TOKEN_PATH")),
                            body=urllib.parse.urlencode(form).encode(),
                            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})
        if status >= 500:
            raise TransportError(f"Cổng DVCQG trả lời HTTP {status} khi cấp mã truy cập")
        try:
            reply = json.loads(text)
        except ValueError:
            reply = {}
        if status != 200 or not isinstance(reply, dict) or not reply.get("access_token"):
            raise AuthError(f"Không lấy được mã truy cập Cổng DVCQG (HTTP {status})")
        lifetime = float(reply.get("expires_in") or 300)
        _keep_token(self._key(), reply["access_token"], max(lifetime - 30, lifetime / 2))
        return reply["access_token"]

    def _send(self, method: str, path_name: str, body=None, query: dict | None = None) -> Reply:
        url = config.url(config.option(path_name)) + (f"?{urllib.parse.urlencode(query)}" if query else "")
        for fresh in (False, True):
            headers = {**_json_headers(), "Authorization": f"Bearer {self.token(fresh=fresh)}"}
            status, text = http(method, url, body=None if body is None else _dump(body), headers=headers)
            try:
                return _parse(status, text)
            except AuthError:
                cache.delete(self._key())
                if fresh:
                    raise
        raise AssertionError("unreachable")

    def push_dossier(self, item, *, updating):
        if updating:
            return self._send("POST", "OAUTH_UPDATE_PATH", [item])
        return self._send("POST", "OAUTH_CREATE_PATH", item)

    def push_progress(self, item):
        return self._send("POST", "OAUTH_PROGRESS_PATH", [iso_progress(item)])

    def push_status(self, item):
        return self._send("POST", "OAUTH_STATUS_PATH", {"type": "2", "data": item})

    def push_ratings(self, items):
        return self._send("POST", "OAUTH_RATINGS_PATH", items)

    def list_procedures(self):
        return _list_or_raise(self._send("GET", "OAUTH_LIST_PATH"))

    def get_procedure(self, code):
        items = _list_or_raise(self._send("GET", "OAUTH_PROCEDURE_PATH", query={"maTTHC": code}))
        return items[0] if items else None


def iso_progress(item: dict) -> dict:
    """The OAuth API's progress step: dates as yyyy-MM-ddTHH:mm:ss.fff and the status as an integer."""
    def iso(value: str) -> str:
        if len(value) != 14 or not value.isdigit():
            return value
        return f"{value[:4]}-{value[4:6]}-{value[6:8]}T{value[8:10]}:{value[10:12]}:{value[12:14]}.000"

    out = {key: iso(value) if key in ("ThoiDiemXuLy", "NgayBatDau", "NgayKetThucTheoQuyDinh") else value
           for key, value in item.items()}
    out["TrangThai"] = int(item["TrangThai"])
    return out


TRANSPORTS = {config.SESSION: SessionTransport, config.GATEWAY: GatewayTransport, config.OAUTH: OAuthTransport}


def get_transport() -> Transport:
    return TRANSPORTS[config.transport_name()]()
