"""Writes about accounts: citizen registration; accounts from an OpenID Connect provider's claims."""

import logging
import re
import secrets
from datetime import date, datetime

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from accounts import notices
from accounts.models import User
from accounts.validators import clean_phone

log = logging.getLogger(__name__)


def _owners(*, email: str, phone: str) -> list[User]:
    """Accounts that already hold this e-mail address or phone (as contact or as user name)."""
    query = Q(pk__in=[])
    if email:
        query |= Q(email__iexact=email) | Q(username__iexact=email)
    if phone:
        query |= Q(phone=phone) | Q(username=phone)
    return list(User.objects.filter(query).order_by("pk")[:4])


def _tell_owners(owners: list[User], *, email: str, phone: str) -> None:
    for owner in owners:
        if email and owner.email.lower() == email:
            notices.queue(kind=notices.TAKEN, user=owner, channel=notices.EMAIL)
        if phone and owner.phone == phone:
            notices.queue(kind=notices.TAKEN, user=owner, channel=notices.SMS)


def register_citizen(*, full_name: str, email: str, phone: str, password: str) -> User | None:
    """Create a citizen account, or, when the e-mail address or phone already has one, create nothing and tell
    its owner. The caller answers the registrant the same way in both cases (no account enumeration): the same
    work is done (one password hash, one notice queued), and the new account is not signed in.

    Returns the new user, or None when nothing was created."""
    owners = _owners(email=email, phone=phone)
    if not owners:
        user = User(username=email or phone, email=email, phone=phone, full_name=full_name)
        user.set_password(password)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # registered by someone else a moment ago
            owners = _owners(email=email, phone=phone)
        else:
            if email:
                notices.queue(kind=notices.CREATED, user=user, channel=notices.EMAIL)
            if phone:
                notices.queue(kind=notices.CREATED, user=user, channel=notices.SMS)
            return user
    else:
        make_password(password)  # the hash the free address's path costs
    _tell_owners(owners, email=email, phone=phone)
    return None


# ---------------------------------------------------------------- accounts from an OpenID Connect provider
PERSONAL_ID_RE = re.compile(r"^\d{12}$")


def _claim(claims: dict, name: str) -> str:
    value = claims.get(name) if name else None
    return value.strip() if isinstance(value, str) else ""


def _birth_date(raw: str) -> date | None:
    """OpenID Connect's birthdate is YYYY-MM-DD (a year alone, or 0000-MM-DD, when part is withheld)."""
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    return None


def _free(field: str, value: str, user: User) -> bool:
    """Whether another account already holds this phone or e-mail address (both are unique among accounts)."""
    lookup = {f"{field}__iexact" if field == "email" else field: value}
    return bool(value) and not User.objects.filter(**lookup).exclude(pk=user.pk).exists()


def citizen_from_claims(*, claims: dict, conf: dict) -> User | None:
    """The citizen account of the personal identification number the provider vouches for, created on the first
    sign-in; its name, birth date, phone and e-mail address follow the claims at each sign-in (a phone or address
    another account holds is left out). Never matched by e-mail address. None when the claims carry no valid
    number (the caller refuses the sign-in)."""
    personal_id = _claim(claims, conf.get("CLAIM_ID_NUMBER", "personal_id"))
    if not PERSONAL_ID_RE.match(personal_id):
        return None
    name = _claim(claims, conf.get("CLAIM_NAME", "name"))[:255]
    birth = _birth_date(_claim(claims, conf.get("CLAIM_BIRTH_DATE", "birthdate")))
    try:
        phone = clean_phone(_claim(claims, conf.get("CLAIM_PHONE", "phone_number")))
    except ValidationError:
        phone = ""
    email = _claim(claims, conf.get("CLAIM_EMAIL", "email")).lower()
    if "@" not in email or len(email) > 254:
        email = ""
    for _attempt in range(2):
        try:
            with transaction.atomic():
                user = User.objects.select_for_update().filter(personal_id=personal_id).first()
                if user is None:
                    user = User(username=f"dinh-danh-{secrets.token_hex(8)}", personal_id=personal_id)
                    user.set_unusable_password()
                user.full_name = name or user.full_name
                user.birth_date = birth or user.birth_date
                user.phone = phone if _free("phone", phone, user) else ("" if user.pk is None else user.phone)
                user.email = email if _free("email", email, user) else ("" if user.pk is None else user.email)
                user.save()
                return user
        except IntegrityError:  # the same person signing in twice at once, or a contact taken meanwhile
            continue
    return User.objects.filter(personal_id=personal_id).first()


STAFF_USER_FIELDS = {"username": "username", "email": "email__iexact"}


def staff_from_claims(*, claims: dict, conf: dict) -> User | None:
    """The existing user the staff provider's claim names (OIDC["STAFF"]["CLAIM"] equal to the user's
    USER_FIELD); None when there is none. Memberships are not touched: they stay in the admin."""
    claim = conf.get("CLAIM", "preferred_username")
    value = _claim(claims, claim)
    lookup = STAFF_USER_FIELDS.get(conf.get("USER_FIELD", "username"))
    if not value or lookup is None:
        return None
    if claim == "email" and claims.get("email_verified") is not True:
        return None  # an address the provider has not verified names nobody
    # Superusers sign in here with their password and second factor only, never through a provider's claim.
    return User.objects.filter(**{lookup: value}, is_superuser=False).order_by("pk").first()
