"""The applicant's access to their dossier on the public pages: a dossier found by code + phone (or ID number)
is remembered in the session, and a signed-in applicant sees the dossiers linked to their account. Every citizen
page of a dossier (portal, payments, signed results) goes through `tracked_or_404`."""


from django.db.models import Q
from django.http import Http404

from dossiers.models import Dossier

TRACKED_KEY = "portal_tracked_dossiers"


# ---------------------------------------------------------------- the citizen's own dossiers
def citizen_dossiers_q(user) -> Q:
    """The dossiers that are a signed-in citizen's own: linked to the account, and, for an account keyed by a
    personal identification number (signed in through the national identity), those whose applicant or authorised
    person bears that number — desk dossiers received before the account existed included."""
    match = Q(applicant_user=user)
    if getattr(user, "personal_id", ""):
        match |= Q(applicant_id_number=user.personal_id) | Q(authorised_id_number=user.personal_id)
    return match


# ---------------------------------------------------------------- tracking
def remember_tracked(request, dossier: Dossier) -> None:
    tracked = set(request.session.get(TRACKED_KEY, []))
    tracked.add(dossier.pk)
    request.session[TRACKED_KEY] = sorted(tracked)


def may_see(request, *, pk: int, applicant_user_id, applicant_id_number: str, authorised_id_number: str) -> bool:
    """Whether this visitor may see the dossier with these values: linked to their account (or bearing their
    personal identification number), or found by code + phone in this session."""
    user = request.user
    owner = user.is_authenticated and (
        applicant_user_id == user.pk
        or (getattr(user, "personal_id", "") and user.personal_id in (applicant_id_number, authorised_id_number)))
    return bool(owner) or pk in request.session.get(TRACKED_KEY, [])


def tracked_or_404(request, code: str, *, annotate: dict | None = None,
                   related: tuple[str, ...] = ("procedure", "receiving_agency")) -> Dossier:
    """The dossier `code` if this visitor may see it (tracked in this session, or linked to their account); 404
    otherwise, revealing nothing. `annotate`: values the page needs read in the same query (e.g. whether forms
    were issued: `dossiers.selectors.citizen_forms_annotations`), so its panels need no query of their own;
    `related`: the rows joined (a page that shows only the procedure's name joins only the procedure)."""
    dossiers = Dossier.objects.select_related(*related)
    if annotate:
        dossiers = dossiers.annotate(**annotate)
    dossier = dossiers.filter(code=code).first()
    if dossier is None or not may_see(request, pk=dossier.pk, applicant_user_id=dossier.applicant_user_id,
                                      applicant_id_number=dossier.applicant_id_number,
                                      authorised_id_number=dossier.authorised_id_number):
        raise Http404
    return dossier
