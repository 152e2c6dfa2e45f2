"""Sign-in through OpenID Connect (settings.OIDC): the relying party, with Authlib's Django client.

* Discovery: the provider's endpoints and keys come from ISSUER/.well-known/openid-configuration, whose `issuer`
  must be ISSUER itself. Authlib keeps the document for the life of the process.
* Authorization code flow with PKCE (S256), a `state` and a `nonce` kept in the session (Authlib's state data,
  used once: a second callback with the same state finds nothing).
* The ID token's signature is checked against the provider's JWKS; a token whose key id is not in the cached
  set makes Authlib fetch the set again once (key rotation), a token signed by a key still unknown is refused.
  Issuer, audience, expiry (with OIDC["CLOCK_SKEW_SECONDS"]) and nonce are checked; the claims are those of the ID
  token completed by the userinfo endpoint (same subject required).
* Every failure is a `SignInRefused` with a message for the person; nobody is signed in and nothing is stored.
  No claim (the personal identification number above all) is ever logged or put in an address.

Two providers: "citizen" (the national identity: accounts keyed by the personal identification number,
accounts.services.citizen_from_claims) and, optionally, "staff" (an organisation's provider mapped to existing
users, accounts.services.staff_from_claims).
"""

import logging
from dataclasses import dataclass
from urllib.parse import urlencode

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from joserfc.errors import ExpiredTokenError, JoseError

log = logging.getLogger(__name__)

CITIZEN, STAFF = "citizen", "staff"
KINDS = {CITIZEN: "CITIZEN", STAFF: "STAFF"}
# Session keys: the provider this session signed in through (for the sign-out there), the page to go back to.
SIGNED_IN_WITH = "onecua_oidc_provider"
NEXT_KEY = "onecua_oidc_next"


class SignInRefused(Exception):
    """A sign-in through the provider that did not happen; `message` is for the person, `reason` for tests and
    the log (never a claim), `status` the page's HTTP status."""

    def __init__(self, reason: str, message: str, status: int = 400):
        super().__init__(reason)
        self.reason, self.message, self.status = reason, message, status


def refused(reason: str) -> SignInRefused:
    messages = {
        "state": _("Phiên đăng nhập không hợp lệ hoặc đã hết hạn (mã kiểm tra không khớp). Bạn chưa được đăng "
                   "nhập; vui lòng bấm đăng nhập lại."),
        "code": _("Nhà cung cấp định danh từ chối yêu cầu đăng nhập (mã xác thực đã được dùng hoặc đã hết hạn). "
                  "Bạn chưa được đăng nhập; vui lòng đăng nhập lại."),
        "expired": _("Thông tin xác thực do nhà cung cấp định danh gửi về đã hết hạn. Bạn chưa được đăng nhập; "
                     "vui lòng đăng nhập lại."),
        "signature": _("Không xác minh được chữ ký của thông tin xác thực do nhà cung cấp định danh gửi về. Bạn "
                       "chưa được đăng nhập."),
        "down": _("Không kết nối được với nhà cung cấp định danh. Vui lòng thử lại sau ít phút, hoặc đăng nhập "
                  "bằng tài khoản của cổng."),
        "cancelled": _("Bạn đã hủy đăng nhập tại nhà cung cấp định danh, hoặc nhà cung cấp không cho phép đăng "
                       "nhập. Bạn chưa được đăng nhập."),
        "no_id": _("Tài khoản định danh không cung cấp số định danh cá nhân hợp lệ (12 chữ số), nên không thể "
                   "đăng nhập vào cổng."),
        "inactive": _("Tài khoản này đã bị khóa trên cổng. Vui lòng liên hệ bộ phận một cửa."),
        "not_staff": _("Tài khoản của cơ quan này chưa được cấp quyền cán bộ trên cổng. Vui lòng liên hệ quản trị "
                       "viên."),
    }
    return SignInRefused(reason, messages[reason], status=503 if reason == "down" else 400)


# ---------------------------------------------------------------- configuration and clients
DEFAULT_LABELS = {CITIZEN: lambda: _("Tài khoản định danh điện tử (VNeID)"),
                  STAFF: lambda: _("Tài khoản của cơ quan (cán bộ)")}

@dataclass(frozen=True)
class Provider:
    kind: str
    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    label: str
    settings: dict


def provider(kind: str) -> Provider | None:
    """The configured provider of this kind, or None (not configured: its pages answer 404)."""
    oidc = getattr(settings, "OIDC", {}) or {}
    conf = oidc.get(KINDS.get(kind, ""), {}) or {}
    issuer, client_id = (conf.get("ISSUER") or "").strip(), (conf.get("CLIENT_ID") or "").strip()
    if not issuer or not client_id:
        return None
    return Provider(kind=kind, issuer=issuer.rstrip("/"), client_id=client_id,
                    client_secret=conf.get("CLIENT_SECRET") or "", scopes=conf.get("SCOPES") or "openid",
                    label=conf.get("LABEL") or DEFAULT_LABELS[kind](), settings=conf)


def _timeout() -> float:
    return float((getattr(settings, "OIDC", {}) or {}).get("TIMEOUT_SECONDS", 5.0))


def _leeway() -> int:
    return int((getattr(settings, "OIDC", {}) or {}).get("CLOCK_SKEW_SECONDS", 60))


_clients: dict[tuple, object] = {}


def client(prov: Provider):
    """Authlib's client for this provider, one per configuration (its discovery document and JWKS are kept)."""
    key = (prov.kind, prov.issuer, prov.client_id, prov.client_secret, prov.scopes, _timeout())
    app = _clients.get(key)
    if app is None:
        app = OAuth().register(
            name=f"onecua-{prov.kind}", client_id=prov.client_id, client_secret=prov.client_secret,
            server_metadata_url=f"{prov.issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": prov.scopes, "code_challenge_method": "S256", "default_timeout": _timeout(),
                           "token_endpoint_auth_method": "client_secret_basic"})
        _clients[key] = app
    return app


def _metadata(prov: Provider, app) -> dict:
    try:
        metadata = app.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        log.warning("OpenID Connect discovery of the %s provider failed: %s", prov.kind, type(exc).__name__)
        raise refused("down") from exc
    if (metadata.get("issuer") or "").rstrip("/") != prov.issuer:
        log.warning("The %s provider's discovery document names another issuer", prov.kind)
        app.server_metadata.clear()  # read again next time
        raise refused("down")
    return metadata


def callback_url(kind: str) -> str:
    """The callback address registered at the provider: PUBLIC_BASE_URL + the callback path (never taken from the
    request's Host header)."""
    name = "accounts:oidc_callback" if kind == CITIZEN else "accounts:oidc_staff_callback"
    return settings.ONECUA["PUBLIC_BASE_URL"].rstrip("/") + reverse(name)


# ---------------------------------------------------------------- the flow
def start(request, prov: Provider):
    """The redirect to the provider's authorization endpoint (state, nonce and PKCE verifier kept in the
    session)."""
    app = client(prov)
    _metadata(prov, app)
    try:
        return app.authorize_redirect(request, callback_url(prov.kind))
    except (requests.RequestException, AuthlibBaseError, RuntimeError) as exc:
        log.warning("OpenID Connect sign-in with the %s provider could not start: %s", prov.kind,
                    type(exc).__name__)
        raise refused("down") from exc


def finish(request, prov: Provider) -> dict:
    """Check the provider's answer at the callback and return the verified claims (ID token + userinfo)."""
    if request.GET.get("error"):
        raise refused("cancelled")
    app = client(prov)
    metadata = _metadata(prov, app)
    answered_by = request.GET.get("iss")
    if answered_by is not None and answered_by.rstrip("/") != prov.issuer:  # RFC 9207: a mix-up
        raise refused("state")
    try:
        token = app.authorize_access_token(request, leeway=_leeway())
        if "userinfo" not in token:  # no ID token, or no nonce sent: not an OpenID Connect sign-in
            raise refused("signature")
        claims = dict(token["userinfo"])
        if metadata.get("userinfo_endpoint"):
            extra = dict(app.userinfo(token=token))
            if extra.get("sub") != claims.get("sub"):
                raise refused("signature")
            claims = {**extra, **claims}
    except SignInRefused:
        raise
    except MismatchingStateError as exc:
        raise refused("state") from exc
    except ExpiredTokenError as exc:
        raise refused("expired") from exc
    except JoseError as exc:
        _log_refusal(prov, exc)
        raise refused("signature") from exc
    except requests.RequestException as exc:
        _log_refusal(prov, exc)
        raise refused("down") from exc
    except OAuthError as exc:
        _log_refusal(prov, exc)
        raise refused("code") from exc
    except (AuthlibBaseError, ValueError, KeyError, TypeError) as exc:  # a claim or answer of the wrong shape
        _log_refusal(prov, exc)
        raise refused("signature") from exc
    return claims


def _log_refusal(prov: Provider, exc: Exception) -> None:
    # The class and the protocol's error code only: an exception's text may quote a claim.
    log.warning("OpenID Connect sign-in with the %s provider refused: %s %s", prov.kind, type(exc).__name__,
                getattr(exc, "error", "") or "")


def logout_url(prov: Provider) -> str | None:
    """RP-initiated logout at the provider, back to the home page afterwards. The request names the client
    (client_id) rather than sending the ID token as id_token_hint: an ID token may carry the personal
    identification number, and it would then sit in an address (browser history, the provider's logs)."""
    app = client(prov)
    try:
        metadata = _metadata(prov, app)
    except SignInRefused:
        return None
    endpoint = metadata.get("end_session_endpoint")
    if not endpoint:
        return None
    back = settings.ONECUA["PUBLIC_BASE_URL"].rstrip("/") + reverse(settings.LOGOUT_REDIRECT_URL)
    query = urlencode({"client_id": prov.client_id, "post_logout_redirect_uri": back})
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
