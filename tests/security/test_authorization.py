"""The authorization matrix: every actor × every URL pattern × objects that are not theirs.

The URL patterns are walked from the root URLconf (the Django admin's model pages included), and each parameter is
read through a table (tests/security/matrix.py, PARAMETERS) that says what it names: a dossier by pk or code, an
attachment, a form number, a desk, a rating token, a correction request, an admin object of some model, … A new
URL pattern is therefore covered without touching this file, and one whose parameter the table does not know fails
`test_every_url_parameter_is_in_the_matrix` ("add this parameter to the matrix") instead of slipping through.

Actors: an anonymous visitor (who tracked their own online submission), two citizens with accounts, and a staff
member of every role (Role) at province A's desk, department and province. Foreign objects, for each actor: those
of another agency of province A the actor has no relation to (desk A2 and its department; not for an inspector or
administrator of the province, who oversees them), those of province B, and, for citizens and the visitor, those
of another citizen. Each page is requested with GET and with an empty POST (the test client does not enforce
CSRF, as Django's default), and must

* never answer 5xx;
* never show personal data the actor may not see (applicant names, phones, ID numbers, e-mails, correction texts,
  rating comments, other people's account e-mails and phones: distinctive per owner, searched in every response,
  JSON and ZIP contents included), nor serve a file of a foreign object (a download, or a file's own bytes);
* change nothing (row counts of dossiers, events, attachments, ratings, …, every dossier's state and version,
  the access log) when the object is foreign.

To keep the run short: a page that sends the actor to sign in (GET and POST) for their first foreign object — the
admin for anyone not staff, the workspace for the anonymous visitor — is not requested again with their other
foreign objects (that gate comes before any object is looked at), and a parameter taking a list of values (the
action names of /can-bo/ho-so/<pk>/thao-tac/<name>/, the admin's app labels) gets every value with the first
foreign object and the first value with the others. The summary counts the requests so saved.

Positive controls: for every pattern naming an object, some entitled actor opening the A1 reference object gets a
2xx or a redirect that is not to a sign-in page, so "everything 404s because the URLs are built wrong" cannot pass
for "access is denied"; at least 80 % of those patterns must have one, and those without are printed.

One world, built once inside the test's transaction (about forty dossiers through the services take a few
seconds), and each request runs in a savepoint rolled back after it, so every request sees the same world and
nothing is left behind. One test walks every actor (failures listed together, by actor), then the positive
controls; a summary (patterns, actors, requests) is printed.
"""

import time
from collections import Counter

import pytest
from django.http import HttpResponse
from django.urls import include, path

from tests.security import matrix as mx

pytestmark = pytest.mark.django_db
MIN_POSITIVE_COVERAGE = 0.8
SHOWN_FAILURES = 60


@pytest.fixture
def world(db):
    """Built inside the test's own transaction (rolled back by pytest-django). Not module-scoped: Django's
    TestCase closes every connection after each test, which on PostgreSQL would end a module-wide transaction."""
    built = mx.Matrix.build()
    yield built
    mx.cache.clear()


def _say(capsys, text: str) -> None:
    with capsys.disabled():
        print(text)


def _new_page(request, ma_moi):  # pragma: no cover - never requested
    return HttpResponse(ma_moi)


# The site with one more page, whose parameter the matrix has never heard of (test_a_new_parameter_fails).
urlpatterns = [path("", include("onecua.urls")), path("trang-moi/<str:ma_moi>/", _new_page, name="trang_moi")]


def test_a_new_parameter_fails(settings):
    """A pattern added to the URLconf with a parameter the table does not know is found and refused."""
    settings.ROOT_URLCONF = __name__
    route = next(r for r in mx.routes() if r.name == "trang_moi")
    with pytest.raises(mx.MatrixGap, match="add this parameter to the matrix"):
        mx.plan(route)


def test_the_authorization_matrix(world, capsys):
    """Every URL pattern × every actor × foreign objects, then the positive controls, in one world."""
    planned = world.plans.values()
    _say(capsys, f"\n[matrix] {len(world.routes)} URL patterns, {sum(p.names_object for p in planned)} naming an "
                 f"object; world built in {world.build_seconds:.1f} s")
    assert not world.gaps, "URL parameters the matrix does not know:\n" + "\n".join(world.gaps)

    problems = []
    for actor in mx.ACTOR_KEYS:
        report = world.run_actor(actor)
        kinds = Counter(f.what for f in report.failures)
        _say(capsys, f"[matrix] {actor}: {sum(report.requests.values())} requests in {report.seconds:.1f} s "
                     f"({report.gated} more not sent: sign-in gate), {len(report.failures)} failures "
                     f"{dict(kinds) or ''}")
        problems += [f"{actor}: {f}" for f in report.failures]

    started = time.monotonic()
    positive_failures = world.run_positive()
    total = len(world.positive)
    without = [route for route, found in world.positive.items() if found is None]
    coverage = (total - len(without)) / total if total else 0.0
    by_actor = Counter(found[0] for found in world.positive.values() if found)
    _say(capsys, f"[matrix] positive controls: {total - len(without)}/{total} patterns naming an object "
                 f"({coverage:.0%}) in {time.monotonic() - started:.1f} s, by {dict(by_actor)}")
    if without:
        _say(capsys, "[matrix] patterns without a positive control:\n" + "\n".join(
            f"    {route.name} {route.label}" for route in without))

    requests = Counter()
    for report in world.reports.values():
        requests.update(report.requests)
    gated = sum(report.gated for report in world.reports.values())
    _say(capsys, f"[matrix] summary: {len(world.routes)} patterns × {len(world.reports)} actors "
                 f"(+ superuser for positive controls), {sum(requests.values())} requests ({dict(requests)}; "
                 f"{gated} not sent behind a sign-in gate)")

    assert not problems, (
        f"{len(problems)} failures:\n" + "\n".join(problems[:SHOWN_FAILURES])
        + (f"\n… and {len(problems) - SHOWN_FAILURES} more" if len(problems) > SHOWN_FAILURES else ""))
    assert not positive_failures, "positive controls failed:\n" + "\n".join(str(f) for f in positive_failures)
    assert coverage >= MIN_POSITIVE_COVERAGE, (
        f"only {coverage:.0%} of the patterns naming an object have a positive control (need "
        f"{MIN_POSITIVE_COVERAGE:.0%}): the URLs may be built wrong")
