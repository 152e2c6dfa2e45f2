"""Sign in with a user name, an e-mail address or a phone number.

A typed login names at most one account, read the one way the sign-in lockout reads it too
(`normalise_login`, used as django-axes' username by accounts.lockout):

* with an "@" it is an e-mail address, compared without case (an account's e-mail first, then a user name
  spelled that way);
* made only of digits and the separators people type in phone numbers (spaces, dots, dashes, brackets, "+")
  with at least 9 digits, it is a phone number: its digits (the account's phone first, then a user name
  equal to those digits) — so "0912345678", "0912-345-678", "0912 345 678" and "0912345678." are one login;
* anything else is a user name, compared exactly.

Every failure costs exactly one password hash, whether the login is known or not (no timing oracle).
"""

import re

from django.contrib.auth.backends import ModelBackend
from django.db.models import Case, IntegerField, Q, Value, When

from accounts.models import User
from accounts.selectors import user_with_memberships

PHONE_SPELLING = re.compile(r"[0-9\s.\-()+]+")
PHONE_MIN_DIGITS = 9


def normalise_login(raw: str | None) -> str:
    """The login as the backend looks it up: an e-mail lower-cased, a phone's digits, a user name as typed
    (without surrounding spaces)."""
    login = (raw or "").strip()
    if "@" in login:
        return login.lower()
    if PHONE_SPELLING.fullmatch(login):
        digits = re.sub(r"[^0-9]", "", login)
        if len(digits) >= PHONE_MIN_DIGITS:
            return digits
    return login


def find_login_user(raw: str | None) -> User | None:
    """The one account a typed login names, or None."""
    key = normalise_login(raw)
    if not key:
        return None
    if "@" in key:
        preferred = Q(email__iexact=key)
        query = preferred | Q(username__iexact=key)
    elif key.isdigit() and len(key) >= PHONE_MIN_DIGITS:
        preferred = Q(phone=key)
        query = preferred | Q(username=key)
    else:
        return User.objects.filter(username=key).first()
    rank = Case(When(preferred, then=Value(0)), default=Value(1), output_field=IntegerField())
    return User.objects.filter(query).order_by(rank, "pk").first()


class EmailOrPhoneBackend(ModelBackend):
    def get_user(self, user_id):
        """ModelBackend.get_user with the user's memberships read with it (accounts.selectors)."""
        if type(user_id) is not int:
            return super().get_user(user_id)
        user = user_with_memberships(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        user = find_login_user(username)
        if user is None:
            User().set_password(password)  # the one hash a wrong password costs, for an unknown login too
            return None
        # One hash (Django runs a dummy one for an unusable password); inactive accounts hash too.
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
