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

from .models import Via

SALT = "onecua.surveys.rating"
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
    return signing.Signer(salt=SALT).sign(f"{dossier_id}-{_WAY_CODES[Via(via)]}-{int_to_base36(expires)}")


def read_token(token: str, *, now: datetime | None = None) -> RatingToken:
    """The token's content, or TokenError with a message for the applicant (forged, mangled or expired)."""
    invalid = TokenError(_("Đường dẫn đánh giá không hợp lệ. Hãy mở lại đường dẫn trong thông báo hoặc trang tra "
                           "cứu hồ sơ."))
    try:
        value = signing.Signer(salt=SALT).unsign(token or "")
        dossier_part, way, expires_part = value.split("-")
        dossier_id, expires = int(dossier_part), base36_to_int(expires_part)
        via = _WAYS[way]
    except (signing.BadSignature, ValueError, KeyError):
        raise invalid from None
    expires_at = datetime.fromtimestamp(expires, tz=timezone.get_current_timezone())
    if (now or timezone.now()) > expires_at:
        if via == Via.KIOSK:
            message = _("Phiên đánh giá tại quầy đã hết hạn. Đề nghị cán bộ một cửa mở lại trang đánh giá.")
        else:
            message = _("Đường dẫn đánh giá đã hết hạn (chỉ có hiệu lực trong %(days)s ngày). Bạn vẫn có thể "
                        "đánh giá trên trang tra cứu hồ sơ.") % {
                "days": link_days()}
        raise TokenError(message, expired=True)
    return RatingToken(dossier_id=dossier_id, via=via, expires_at=expires_at)
