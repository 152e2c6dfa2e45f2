"""Signed rating tokens: one dossier, one way in (kiosk, link, tracking), an expiry inside the signature.

A token is short enough for an SMS: `<dossier id>-<way>-<expiry, base 36>:<signature>`. It carries no personal
data. It is "one-time" because a dossier takes one rating: once rated, the token only leads to the optional
questionnaire (itself one per dossier) and every other use is refused with the reason.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.http import base36_to_int, int_to_base36
from django.utils.translation import gettext as _

from surveys.models import Via

# One salt per way in: a token signed for one way never verifies as another's. The link's is the salt all tokens
# shared before, so the links already sent by SMS and e-mail stay valid for their 30 days.
SALTS = {Via.KIOSK: "onecua.surveys.rating.kiosk", Via.LINK: "onecua.surveys.rating",
         Via.TRACKING: "onecua.surveys.rating.tracking"}
_WAY_CODES = {Via.KIOSK: "k", Via.LINK: "l", Via.TRACKING: "t"}
_WAYS = {code: via for via, code in _WAY_CODES.items()}


class TokenError(Exception):
    def __init__(self, message: str, *, expired: bool = False):
        super().__init__(message)
        self.message = message
        self.expired = expired


@dataclass(frozen=True)
class RatingToken:
    dossier_id: int
    via: str
    expires_at: datetime


def link_days() -> int:
    """How many days the rating link sent with the result stays valid (RATING_TOKEN_DAYS)."""
    return int(settings.ONECUA.get("RATING_TOKEN_DAYS", 30))


def lifetime(via: str) -> timedelta:
    if via == Via.KIOSK:
        return timedelta(minutes=int(settings.ONECUA.get("RATING_KIOSK_TOKEN_MINUTES", 30)))
    return timedelta(days=link_days())


def make_token(*, dossier_id: int, via: str, now: datetime | None = None) -> str:
    expires = int(((now or timezone.now()) + lifetime(via)).timestamp())
    via = Via(via)
    return signing.Signer(salt=SALTS[via]).sign(f"{dossier_id}-{_WAY_CODES[via]}-{int_to_base36(expires)}")


def read_token(token: str, *, via: str | None = None, now: datetime | None = None) -> RatingToken:
    """The token's content, or TokenError with a message for the applicant (forged, mangled, expired, or for
    another way in than `via` when given). The way named in the token picks the salt its signature is checked
    with."""
    invalid = TokenError(_("Đường dẫn đánh giá không hợp lệ. Hãy mở lại đường dẫn trong thông báo hoặc trang tra "
                           "cứu hồ sơ."))
    try:
        way = (token or "").rpartition(":")[0].split("-")[1]
        token_via = _WAYS[way]
        if via is not None and token_via != via:
            raise invalid
        value = signing.Signer(salt=SALTS[token_via]).unsign(token)
        dossier_part, _way, expires_part = value.split("-")
        if not (dossier_part.isascii() and dossier_part.isdigit()):
            raise ValueError(dossier_part)
        dossier_id, expires = int(dossier_part), base36_to_int(expires_part)
        expires_at = datetime.fromtimestamp(expires, tz=timezone.get_current_timezone())
    except (signing.BadSignature, ValueError, KeyError, IndexError, OverflowError, OSError):
        raise invalid from None
    via = token_via
    if (now or timezone.now()) > expires_at:
        if via == Via.KIOSK:
            message = _("Phiên đánh giá tại quầy đã hết hạn. Đề nghị cán bộ một cửa mở lại trang đánh giá.")
        else:
            message = _("Đường dẫn đánh giá đã hết hạn (chỉ có hiệu lực trong %(days)s ngày). Bạn vẫn có thể "
                        "đánh giá trên trang tra cứu hồ sơ.") % {
                "days": link_days()}
        raise TokenError(message, expired=True)
    return RatingToken(dossier_id=dossier_id, via=via, expires_at=expires_at)
