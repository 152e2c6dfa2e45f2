"""Decision 766: the counts the statistics summary does not hold, read from their own tables, per competent agency
(one query each). Every count has one definition here; reports/indices.py turns them into indicators.

- complete publication: a procedure (active, offered by the agency) whose catalog entry has every part the public
  page needs — national code, steps (trình tự thực hiện), legal basis, the result's name, a deadline (amount or
  note) and at least one required document (COMPLETE_FIELDS);
- online payment: dossiers received in the period that had an amount to pay (a `payments.Payment` row) and those
  of them with a payment confirmed by the gateway (status paid);
- electronic results: dossiers resolved in the period and those of them whose result was digitally signed
  (`printing.ResultSignature`, outcome signed);
- digitised dossiers: dossiers received in the period and those of them whose documents were digitised;
- PAKN answered on time: feedback received in the period whose answer is due (answered, or unanswered past its due
  time now) and those answered early or on time (feedback.selectors.figures_by_agency);
- process steps on time: steps of the internal process finished in the period (not skipped), per the dossier's
  competent agency, and those finished early or on time against the step's own due time (step_counts).
"""

from datetime import date, datetime

from django.db.models import Count, Exists, OuterRef, Q

from dossiers.models import Dossier, DossierStep
from dossiers.models import Timeliness as StepTimeliness
from dossiers.selectors import period_bounds
from feedback.selectors import figures_by_agency
from payments.models import Payment, PaymentStatus
from printing.models import ResultSignature, SigningOutcome
from procedures.models import OnlineLevel, Procedure, RequiredDocument

COMPLETE_FIELDS = ("national_code", "description", "legal_basis", "result_description")


def catalog_counts(agency_ids) -> tuple[dict, dict]:
    """Per agency and for the whole scope: procedures offered (active), complete ones, online ones (2 queries)."""
    has_documents = Exists(RequiredDocument.objects.filter(procedure_id=OuterRef("procedure_id")))
    links = Procedure.agencies.through.objects.filter(agency_id__in=agency_ids, procedure__is_active=True).annotate(
        documented=has_documents)
    complete = _complete_procedure_q()
    online = ~Q(procedure__online_level=OnlineLevel.NONE)
    counts = {"total": Count("procedure_id", distinct=True),
              "complete": Count("procedure_id", filter=complete, distinct=True),
              "online": Count("procedure_id", filter=online, distinct=True)}
    per_agency = {row["agency_id"]: row for row in links.values("agency_id").annotate(**counts).order_by()}
    return per_agency, links.aggregate(**counts)


def _complete_procedure_q() -> Q:
    q = Q(documented=True)
    for name in COMPLETE_FIELDS:
        q &= ~Q(**{f"procedure__{name}": ""})
    return q & (Q(procedure__deadline_amount__isnull=False) | ~Q(procedure__deadline_note=""))


def _dossiers(agency_ids, desk_ids):
    qs = Dossier.objects.filter(competent_agency_id__in=agency_ids)
    return qs.filter(receiving_agency_id__in=desk_ids) if desk_ids is not None else qs


def dossier_counts(*, agency_ids, start: date, end: date, desk_ids=None) -> dict[int, dict]:
    """Per competent agency: received (and digitised, with an amount to pay, paid online) in the period; resolved
    (and signed electronically) in the period. Two queries."""
    lo, hi = period_bounds(start, end)
    out: dict[int, dict] = {}
    paid = Exists(Payment.objects.filter(dossier_id=OuterRef("pk"), status=PaymentStatus.PAID))
    owed = Exists(Payment.objects.filter(dossier_id=OuterRef("pk")))
    received = (_dossiers(agency_ids, desk_ids).filter(received_at__gte=lo, received_at__lt=hi)
                .annotate(owed=owed, paid=paid).values("competent_agency_id")
                .annotate(received=Count("id"), digitised=Count("id", filter=Q(is_digitised=True)),
                          owed_count=Count("id", filter=Q(owed=True)), paid_count=Count("id", filter=Q(paid=True)))
                .order_by())
    for row in received:
        out.setdefault(row["competent_agency_id"], {}).update(
            received=row["received"], digitised=row["digitised"], payable=row["owed_count"], paid=row["paid_count"])
    signed = Exists(ResultSignature.objects.filter(dossier_id=OuterRef("pk"), outcome=SigningOutcome.SIGNED))
    resolved = (_dossiers(agency_ids, desk_ids).filter(resolved_at__gte=lo, resolved_at__lt=hi)
                .annotate(signed=signed).values("competent_agency_id")
                .annotate(resolved=Count("id"), signed_count=Count("id", filter=Q(signed=True))).order_by())
    for row in resolved:
        out.setdefault(row["competent_agency_id"], {}).update(resolved=row["resolved"], signed=row["signed_count"])
    return out


def feedback_counts(*, agency_ids, start: date, end: date, now: datetime | None = None) -> dict[int, dict]:
    """Per agency: PAKN received in the period whose answer is due (answered or overdue now), answered on time."""
    return {row["agency_id"]: {"due": row["answered_on_time"] + row["answered_late"] + row["overdue"],
                               "on_time": row["answered_on_time"]}
            for row in figures_by_agency(agency_ids=agency_ids, start=start, end=end, now=now)}


def step_counts(*, agency_ids, start: date, end: date, desk_ids=None) -> dict[int, dict]:
    """Per competent agency of the dossier: process steps (dossiers.DossierStep) finished in the period, not
    skipped, and those of them finished early or on time against the step's own due time. One query."""
    lo, hi = period_bounds(start, end)
    steps = DossierStep.objects.filter(dossier__competent_agency_id__in=agency_ids, skipped=False,
                                       finished_at__gte=lo, finished_at__lt=hi)
    if desk_ids is not None:
        steps = steps.filter(dossier__receiving_agency_id__in=desk_ids)
    in_time = Q(timeliness__in=(StepTimeliness.EARLY, StepTimeliness.ON_TIME))
    rows = (steps.values("dossier__competent_agency_id")
            .annotate(finished=Count("id"), in_time=Count("id", filter=in_time)).order_by())
    return {row["dossier__competent_agency_id"]: {"steps_finished": row["finished"], "steps_in_time": row["in_time"]}
            for row in rows}
