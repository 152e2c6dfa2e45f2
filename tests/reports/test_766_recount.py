"""Decision 766 in its five groups: on random histories built through the services (dossiers on random routes,
some with digitised files, fees paid online or not, results signed by the department's certificate, PAKN answered
on time, late or not at all, an incomplete catalog entry), every computed indicator of every row and of the whole
scope equals a recount made here from the base tables, in Python, with the decision's formulas."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import DossierError
from dossiers import services
from dossiers.models import MAX_SUPPLEMENTS_ON_TIME, RUNNING_STATES, Channel, Dossier, DossierStep
from dossiers.selectors import period_bounds
from feedback.models import Feedback, Timeliness
from feedback.services import feedback_answer, feedback_assign, feedback_submit
from payments.models import Payment, PaymentStatus
from payments.providers.base import GatewayResult
from payments.services import payment_apply_result
from printing.models import ResultSignature, SigningOutcome
from procedures.models import OnlineLevel, Procedure, ProcedureFee
from reports import indices
from surveys.models import Rating
from tests.builders import PDF_BYTES, at, upload, vn
from tests.dossiers.test_steps import give_process
from tests.factories import ProcedureFactory, RequiredDocumentFactory
from tests.printing.conftest import dept_certificate, signing_keys, trust  # noqa: F401 - fixtures
from tests.reports.test_identities import DAYS, START, _history, _moment

pytestmark = pytest.mark.django_db


def _digitised_dossiers(script, rng, count):
    """Dossiers brought with their files (digitised at reception), some received, some resolved."""
    world = script.world
    for _ in range(count):
        when = _moment(rng)
        with at(when):
            d = services.dossier_create(
                procedure=world.procedure, receiving_agency=world.desk, channel=rng.choice(list(Channel.values)),
                applicant=services.ApplicantData(name="Lê Văn Số", id_number="079203007777", phone="0912000333"),
                actor=services.APPLICANT, uploads=[services.Upload(upload("to-khai.pdf", PDF_BYTES))],
                provided_required_document_ids=[doc.pk for doc in world.procedure.documents.filter(mandatory=True)])
        try:
            d = script.receive(d, when + timedelta(hours=1))
            if rng.random() < 0.6:
                script.resolve(d, when + timedelta(days=rng.randrange(1, 5), hours=2))
        except DossierError:
            pass


def _pay_some(rng):
    for payment in Payment.objects.filter(status=PaymentStatus.PENDING).order_by("pk"):
        if rng.random() < 0.5:
            with at(payment.started_at or payment.created_at):
                payment_apply_result(GatewayResult(reference=payment.reference, amount=payment.amount, paid=True,
                                                   transaction_id=f"T{payment.pk}", paid_at=timezone.now()),
                                     source="test")


def _feedback(world, rng, count):
    leader, officer = world.user("leader@dept"), world.user("officer@dept")
    for i in range(count):
        when = _moment(rng)
        with at(when):
            fb = feedback_submit(procedure=world.procedure, agency=world.dept, kind="feedback",
                                 content=f"Phản ánh số {i}", sender_name="Nguyễn Văn Góp", sender_phone="0912000444")
        if rng.random() < 0.8:
            with at(when + timedelta(hours=1)):
                fb = feedback_assign(feedback=fb, actor=leader, officer=officer)
            with at(when + timedelta(days=rng.randrange(0, 20), hours=2)):
                feedback_answer(feedback=fb, actor=officer, answer="Đã xem xét và trả lời.")


def _recount(world, pk_set, start, end, desk_ids, catalog_ids):
    """The numerator and denominator of each computed indicator, for the dossiers of competent agencies pk_set."""
    lo, hi = period_bounds(start, end)
    now = timezone.now()

    def mine(d):
        return d.competent_agency_id in pk_set and (desk_ids is None or d.receiving_agency_id in desk_ids)

    dossiers = [d for d in Dossier.objects.all() if mine(d)]
    received = [d for d in dossiers if d.received_at and lo <= d.received_at < hi]
    resolved = [d for d in dossiers if d.resolved_at and lo <= d.resolved_at < hi]
    late = [d for d in received if d.supplement_count > MAX_SUPPLEMENTS_ON_TIME
            or (d.resolved_at and d.timeliness == "late")
            or (d.state in RUNNING_STATES and d.due_at and d.due_at < now)]
    payments = {}
    for p in Payment.objects.all():
        payments.setdefault(p.dossier_id, []).append(p.status)
    signed = {s.dossier_id for s in ResultSignature.objects.all() if s.outcome == SigningOutcome.SIGNED}
    ratings = [r for r in Rating.objects.select_related("dossier") if mine(r.dossier) and lo <= r.rated_at < hi]
    unhappy = sum(1 for r in ratings if r.overall == 0)
    procedures = {p for p in Procedure.objects.filter(agencies__in=catalog_ids, is_active=True)}

    def complete(p):
        return (all(getattr(p, f) for f in ("national_code", "description", "legal_basis", "result_description"))
                and (p.deadline_amount is not None or p.deadline_note) and p.documents.exists())

    fbs = [f for f in Feedback.objects.filter(agency_id__in=catalog_ids) if lo <= f.received_at < hi]
    on_time = [f for f in fbs if f.answered_at and f.timeliness in (Timeliness.EARLY, Timeliness.ON_TIME)]
    due = [f for f in fbs if f.answered_at or f.due_at < now]
    mine_ids = {d.pk for d in dossiers}
    steps = [s for s in DossierStep.objects.all() if s.dossier_id in mine_ids and not s.skipped
             and s.finished_at and lo <= s.finished_at < hi]
    handling = max(Decimal(0), 1 - (Decimal(len(late)) / len(received) if received else 0)
                   - (Decimal(unhappy) / len(resolved) if resolved else 0))
    return {
        "published_complete": (sum(1 for p in procedures if complete(p)), len(procedures)),
        "online_coverage": (sum(1 for p in procedures if p.online_level != OnlineLevel.NONE), len(procedures)),
        "on_time": (len(received) - len(late), len(received)),
        "online_rate": (sum(1 for d in received if d.channel == Channel.ONLINE), len(received)),
        "online_payment": (sum(1 for d in received if PaymentStatus.PAID in payments.get(d.pk, [])),
                           sum(1 for d in received if d.pk in payments)),
        "electronic_results": (sum(1 for d in resolved if d.pk in signed), len(resolved)),
        "digitised_dossiers": (sum(1 for d in received if d.is_digitised), len(received)),
        "digitised_results": (sum(1 for d in resolved if d.pk in signed), len(resolved)),
        "satisfaction": ((int((handling * 10000).to_integral_value()), 10000) if received or resolved else (0, 0)),
        "ratings": (sum(1 for r in ratings if r.overall > 0), len(ratings)),
        "pakn_on_time": (len(on_time), len(due)),
        "step_on_time": (sum(1 for s in steps if s.timeliness in ("early", "on_time")), len(steps)),
    }


def _catalog(world):
    """Procedures of the department and a desk: complete, missing its legal basis, without documents, offline."""
    def procedure(name, *agencies, documents=True, **fields):
        p = ProcedureFactory(name=name, **{"description": "Bước 1. Nộp hồ sơ.", "legal_basis": "Luật Hộ tịch 2014",
                                           "result_description": "Giấy xác nhận", **fields})
        p.agencies.add(*agencies)
        if documents:
            RequiredDocumentFactory(procedure=p, position=1, name="Tờ khai")
        return p

    procedure("Đầy đủ", world.dept, world.desk)
    procedure("Thiếu căn cứ", world.dept, legal_basis="")
    procedure("Thiếu thành phần", world.dept, world.desk, documents=False)
    procedure("Không trực tuyến", world.dept, online_level=OnlineLevel.NONE)


@pytest.mark.parametrize("seed", [11, 12])
def test_every_indicator_equals_a_recount_on_a_random_history(script, dept_certificate, seed):  # noqa: F811
    world = script.world
    rng = random.Random(seed)
    ProcedureFee.objects.create(procedure=world.procedure, description="Lệ phí", amount=20000)
    give_process(world.procedure)  # the histories walk its four steps, some late, some skipped or left open
    _catalog(world)
    _history(script, rng, 18)
    _digitised_dossiers(script, rng, 6)
    _pay_some(rng)
    _feedback(world, rng, 8)
    everyone = {world.desk.pk, world.other_desk.pk, world.dept.pk, world.province.pk}
    # The history did produce each kind of fact, so the recount below compares non-trivial figures.
    assert ResultSignature.objects.filter(outcome=SigningOutcome.SIGNED).exists()
    assert Payment.objects.filter(status=PaymentStatus.PAID).exists()
    assert Dossier.objects.filter(is_digitised=True, received_at__isnull=False).exists()
    assert Feedback.objects.filter(answered_at__isnull=False).exists()
    finished = DossierStep.objects.filter(finished_at__isnull=False, skipped=False)
    assert finished.filter(timeliness="late").exists() and finished.exclude(timeliness="late").exists()
    checked = 0
    with at(vn(2025, 4, 30, 10)):
        for _ in range(5):
            start = START + timedelta(days=rng.randrange(-5, DAYS))
            end = start + timedelta(days=rng.randrange(5, 60))
            ids = rng.choice([everyone, everyone, {world.dept.pk}, {world.desk.pk, world.other_desk.pk}])
            desk_ids = rng.choice([None, None, {world.desk.pk}])
            rows, total = indices.scores_766(agency_ids=ids, start=start, end=end, desk_ids=desk_ids)
            for score in [*rows, total]:
                pk_set = {score.agency.pk} if score.agency else {r.agency.pk for r in rows}
                catalog_ids = {score.agency.pk} if score.agency else ids
                expected = _recount(world, pk_set, start, end, desk_ids, catalog_ids)
                for key, (numerator, denominator) in expected.items():
                    indicator = score[key]
                    assert (indicator.numerator, indicator.denominator) == (numerator, denominator), (
                        key, score.agency, start, end, desk_ids)
                    checked += denominator > 0
                assert score["step_on_time"].status == indices.COMPUTED
                assert score["data_reuse"].status == indices.PENDING_INPUT and score["data_reuse"].points is None
                # Only scored indicators count: the maximum is the sum of the measured ones.
                assert score.max_points == sum(i.max_points for i in score.indicators if i.scored)
    assert checked > 20
