"""The DVCQG settings (settings.DVCQG) with their defaults: which transport, where, who, how long, how often."""

from datetime import timedelta

from django.conf import settings

SESSION, GATEWAY, OAUTH = "session", "gateway", "oauth"
TRANSPORTS = (SESSION, GATEWAY, OAUTH)

DEFAULTS = {
    "ENABLED": False,
    # session: the adapter's session API (login, then `service` calls); gateway: the province's
    # KetNoiMotCuaQuocGia gateway (no credentials in the call); oauth: client credentials and bearer tokens.
    "TRANSPORT": SESSION,
    "URL": "http://127.0.0.1:8765",
    "TIMEOUT_SECONDS": 6.0,
    # session
    "AUTH_PATH": "/auth",
    "INTEGRATION_PATH": "/integration",
    "SHARE_PATH": "/share",
    "USERNAME": "",
    "PASSWORD": "",
    "DSTCODE": "",
    "MADONVI": "",
    "SESSION_REUSE_SECONDS": 600,
    # gateway
    "GATEWAY_CREATE_PATH": "/KetNoiMotCuaQuocGia/ThemMoi",
    "GATEWAY_UPDATE_PATH": "/KetNoiMotCuaQuocGia/CapNhat",
    "GATEWAY_PROGRESS_PATH": "/KetNoiMotCuaQuocGia/DongBoTienTrinh",
    "GATEWAY_STATUS_PATH": "/KetNoiMotCuaQuocGia/DongBoTrangThaiHoSoKM",
    # [unconfirmed] no public gateway or OAuth peer sends DongBoDanhGia; these paths follow the others' naming.
    "GATEWAY_RATINGS_PATH": "/KetNoiMotCuaQuocGia/DongBoDanhGia",
    "GATEWAY_LIST_PATH": "/KetNoiMotCuaQuocGia/LayDanhSachTTHC",
    "GATEWAY_PROCEDURE_PATH": "/KetNoiMotCuaQuocGia/LayThuTuc",
    # oauth
    "OAUTH_TOKEN_PATH": "/oauth/token",
    "OAUTH_CLIENT_ID": "",
    "OAUTH_CLIENT_SECRET": "",
    "OAUTH_SCOPE": "",
    "OAUTH_CREATE_PATH": "/api/NoiHoSo",
    "OAUTH_UPDATE_PATH": "/api/CapNhatTrangThai",
    "OAUTH_PROGRESS_PATH": "/api/CapNhatTienTrinh",
    "OAUTH_STATUS_PATH": "/api/DongBoTrangThaiHoSo",
    "OAUTH_RATINGS_PATH": "/api/DongBoDanhGia",
    "OAUTH_LIST_PATH": "/api/LayDanhSachTTHC",
    "OAUTH_PROCEDURE_PATH": "/api/LayThuTuc",
    # delivery
    "RETRY_BASE_SECONDS": 30,
    "RETRY_MAX_SECONDS": 30 * 60,
    "LEASE_SECONDS": 10 * 60,
    "CLAIM_SIZE": 20,
    "BATCH_SIZE": 200,
    "REQUEUE_GRACE_SECONDS": 60,
    # Sent rows (their payloads hold the applicant's personal data) are deleted this many days after delivery.
    "KEEP_SENT_DAYS": 30,
    # The monthly ratings summary (DongBoDanhGia) of the previous month is pushed by the beat task
    # integrations.push_monthly_ratings (daily; a month already written is not written again).
    # inbound dossiers (the portal calls us): the bearer token it presents; the desk that receives them
    # (an agency identifier; empty: the procedure's first desk).
    "INBOUND_TOKEN": "",
    "INBOUND_DESK": "",
}


def option(name: str):
    return getattr(settings, "DVCQG", {}).get(name, DEFAULTS[name])


def enabled() -> bool:
    return bool(option("ENABLED"))


def transport_name() -> str:
    name = str(option("TRANSPORT")).strip().lower()
    return name if name in TRANSPORTS else SESSION


def url(path: str = "") -> str:
    return str(option("URL")).rstrip("/") + path


def timeout() -> float:
    return float(option("TIMEOUT_SECONDS"))


def timedelta_option(name: str) -> timedelta:
    return timedelta(seconds=float(option(name)))


def lease() -> timedelta:
    return timedelta(seconds=int(option("LEASE_SECONDS")))


def backoff(attempt: int) -> timedelta:
    """RETRY_BASE_SECONDS, twice that, four times… capped at RETRY_MAX_SECONDS. There is no last attempt: a
    portal down for hours or days gets every row once it is back."""
    base = int(option("RETRY_BASE_SECONDS"))
    return timedelta(seconds=min(base * 2 ** min(max(attempt - 1, 0), 20), int(option("RETRY_MAX_SECONDS"))))
