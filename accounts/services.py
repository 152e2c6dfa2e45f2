"""Writes about accounts: citizen registration."""

import logging

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models import Q

from accounts import notices
from accounts.models import User

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
