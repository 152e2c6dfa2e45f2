"""Sign in with a user name, an e-mail address or a phone number."""

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from .models import User


class EmailOrPhoneBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        login = username.strip()
        phone = "".join(ch for ch in login if ch.isdigit())
        query = Q(username=login) | Q(email__iexact=login)
        if len(phone) >= 9:
            query |= Q(phone=phone)
        for user in User.objects.filter(query)[:2]:
            if user.check_password(password) and self.user_can_authenticate(user):
                return user
        User().set_password(password)  # same work for unknown logins (timing)
        return None
