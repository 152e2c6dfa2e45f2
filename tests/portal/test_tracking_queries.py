"""The tracked dossier page (issue 22, cheaper pages): what its panels need is read with the dossier — whether
forms 02 / 04 were issued, whether a signed result and a payment exist —, and the rating box reads nothing for a dossier
not returned; the page still shows what it showed."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dossiers import services
from tests.builders import T_ACT, T_RECEIVE, at, fresh

pytestmark = pytest.mark.django_db

OWN_QUERY_TABLES = ('FROM "printing_resultsignature"', 'FROM "payments_payment"', 'FROM "dossiers_supplementrequest"',
                    'FROM "dossiers_apology"', '"surveys_rating"')


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()


def tracked_page(client, dossier) -> tuple[str, list[str]]:
    assert client.post(reverse("portal:track"), {"ma": dossier.code, "sdt": "0912000111"}).status_code == 302
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("portal:dossier", args=[dossier.code]))
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in queries.captured_queries]


def test_a_supplement_request_lists_form_02_without_a_query_of_its_own(client, world):
    dossier = world.received()
    with at(T_RECEIVE):
        services.dossier_forward(dossier=dossier, actor=world.user("clerk@desk"), to_agency=world.desk)
    with at(T_ACT):
        services.dossier_request_supplement(dossier=fresh(dossier), actor=world.user("officer@desk"),
                                            items=["Bản sao sổ hộ khẩu"])
    body, queries = tracked_page(client, dossier)
    assert reverse("portal:form_pdf", args=[dossier.code, "02"]) in body
    assert reverse("portal:form_pdf", args=[dossier.code, "01"]) in body
    assert reverse("portal:form_pdf", args=[dossier.code, "04"]) not in body
    # Neither the forms, the payments, the signed result nor the rating is a query of its own: they come with the dossier's row
    # (EXISTS subqueries inside it), or, for the rating of a dossier not returned, not at all.
    # (The open request itself, whose items the page shows, is read: `"answered_at" IS NULL`.)
    standalone = [sql for sql in queries if '"dossiers_dossier"."code" =' not in sql
                  and '"answered_at" IS NULL' not in sql
                  and any(table in sql.split(" WHERE ")[0] for table in OWN_QUERY_TABLES)]
    assert standalone == []
    assert 'id="rating"' not in body and 'id="signed-result"' not in body


def test_a_submitted_dossier_lists_no_form(client, world):
    dossier = world.submitted()
    body, queries = tracked_page(client, dossier)
    assert reverse("portal:form_pdf", args=[dossier.code, "01"]) not in body
    dossier_reads = [sql for sql in queries if '"dossiers_dossier"."code" =' in sql]
    assert len(dossier_reads) == 1 and "EXISTS" in dossier_reads[0]
