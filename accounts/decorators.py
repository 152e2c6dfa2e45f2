"""View decorators for staff pages."""

import functools

from django.contrib.auth.decorators import login_required
from django.http import Http404

from accounts.selectors import is_staff_member


def staff_required(view):
    """Signed in and a staff member; anyone else gets 404 (citizens follow their dossiers on the portal)."""

    @login_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_staff_member(user=request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped
