"""Property-based tests of the API against its own OpenAPI schema (schemathesis 4, in process through WSGI): every
operation of /api/v1/schema/, a bounded number of generated requests each (valid and invalid data; random path
parameters and real ones), with a token holding every scope and without one. No server error, and every response
— status, content type, headers, body — as the schema describes it.

(schemathesis' pytest integration, `schema.parametrize()` with `from_fixture`, does not run under pytest 9: it
reads a private attribute pytest removed. The operations' strategies are driven by Hypothesis directly instead.)"""

from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import connect
from tests.builders import PDF_BYTES

pytestmark = pytest.mark.django_db
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
EXAMPLES = 15  # per operation and caller; the whole module runs in well under a minute
HYPOTHESIS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                             HealthCheck.filter_too_much, HealthCheck.data_too_large])


@pytest.fixture
def scene(world, far_desk, settings):
    """Dossiers the client sees and one it does not; real values of each path parameter; the client's token."""
    settings.ONECUA = {**settings.ONECUA, "API_REQUESTS_PER_MINUTE": 100_000,
                       "API_ANONYMOUS_REQUESTS_PER_MINUTE": 100_000}
    dossiers = [world.desk_supplement(), world.processing(), world.submitted(agency=world.other_desk)]
    real = {"code": [d.code for d in dossiers], "national_code": [world.procedure.national_code],
            "identifier": [world.desk.identifier, far_desk.identifier], "slug": ["validation-error", "not-found"]}
    token = connect(world.desk).token
    # Django's WSGI handler closes the database connection around each request (close_old_connections), which
    # would end the test's transaction on PostgreSQL; Django's test client turns that off the same way. (Set
    # after connect(): the test client connects the receiver again when it is done.)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application()), real, token
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def operations(schema) -> list:
    found = [result.ok() for result in schema.get_all_operations()]
    assert len(found) >= 11, [op.label for op in found]
    return found


def strategy(operation, real: dict):
    """Valid and invalid requests; for operations with path parameters, with real values half of the time."""
    parts = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        parts.append(operation.as_strategy(mode))
        names = [p.name for p in operation.path_parameters]
        if names and all(name in real for name in names):
            parts += [operation.as_strategy(mode, path_parameters={name: real[name][i % len(real[name])]
                                                                   for name in names}) for i in range(2)]
    return st.one_of(parts)


def run(operation, real: dict, headers: dict) -> int:
    calls = []

    @HYPOTHESIS
    @given(case=strategy(operation, real))
    def check(case):
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        calls.append(response.status_code)

    check()
    return len(calls)


def test_every_operation_answers_as_its_schema_says_to_a_client(scene):
    schema, real, token = scene
    statuses = {}
    for operation in operations(schema):
        statuses[operation.label] = run(operation, real, {"Authorization": f"Bearer {token}"})
    assert all(statuses.values()), statuses


def test_every_operation_answers_as_its_schema_says_to_an_anonymous_caller(scene):
    schema, real, _token = scene
    for operation in operations(schema):
        assert run(operation, real, {})


# ---------------------------------------------------------------- stateful: calls chained along the schema's links
STATEFUL = settings(max_examples=40, stateful_step_count=6, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


def test_chained_calls_along_the_links_answer_as_the_schema_says(scene, world):
    """schemathesis' state machine (schema.as_state_machine()): each scenario starts at an operation and follows the
    schema's OpenAPI links (api/docs.py: a procedure → submit a dossier for it → read it → answer its supplement
    request; a list → one of its items; an event → its dossier), with generated data. To reach the deeper states
    some requests carry real values half of the time: an applicant the portal's checks accept and a PDF for the
    mandatory document (a submission), a PDF (a supplement answer). Every response of every step is checked: no
    server error, status, content type, headers and body as the schema says."""
    schema, _real, token = scene
    steps: list[tuple[str | None, str, int]] = []
    calls: Counter = Counter()

    # The dossier flows (the catalog's other links are walked too, but the budget goes to these).
    flows = schema.include(operation_id=["procedures_list", "procedures_retrieve", "dossiers_list", "dossiers_create",
                                         "dossiers_retrieve", "dossiers_supplement_create", "events_retrieve"])

    class Machine(flows.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": {"Authorization": f"Bearer {token}"}}

        def before_call(self, case):
            calls[case.operation.label] += 1  # every other call of each operation keeps its generated data
            if calls[case.operation.label] % 2 == 0 or not isinstance(case.body, dict):
                return
            if case.operation.label == "POST /api/v1/dossiers/":
                case.body.update({
                    "procedure": case.body.get("procedure") or world.procedure.national_code,
                    "agency": case.body.get("agency") or world.desk.identifier,
                    "applicant_name": "Phạm Thị Ngọc Hương", "applicant_id_number": "079203004567",
                    "applicant_phone": "0903123456", "applicant_address": "Ấp Bình Hòa, phường Một",
                    "applicant_email": "", "document_ids": [world.form.pk], "files": [PDF_BYTES]})
                case.body.pop("applicant_birth_date", None)
            elif case.operation.label == "POST /api/v1/dossiers/{code}/supplement/":
                case.body["files"] = [PDF_BYTES]

        def step(self, input):
            output = super().step(input)
            steps.append((input.transition.id if input.transition else None, input.case.operation.label,
                          output.response.status_code))
            return output

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs or None, recorder=self.recorder)

    def walked() -> dict[str, bool]:
        linked = [(link, status) for link, _label, status in steps if link]
        return {
            "a dossier read through a link (from a list, an event or a submission)": any(
                "-> GET /api/v1/dossiers/{code}/" in link and status == 200 for link, status in linked),
            "a procedure read through a link": any(
                "-> GET /api/v1/procedures/{national_code}/" in link and status == 200 for link, status in linked),
            "a supplement answer sent through a link, with the dossier's code": any(
                "-> POST /api/v1/dossiers/{code}/supplement/" in link and status in (200, 400, 409)
                for link, status in linked),
        }

    # The state machine draws some choices with true randomness: run it again (at most twice) until the chains
    # of interest were all walked at least once.
    for _run in range(3):
        Machine.run(settings=STATEFUL)
        if all(walked().values()):
            break
    assert all(walked().values()), (walked(), sorted(Counter((link is not None, label, status)
                                                             for link, label, status in steps).items()))
    assert not [s for s in steps if s[2] >= 500], steps
