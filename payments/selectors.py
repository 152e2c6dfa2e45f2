"""Reads of payments: a dossier's payments (tracking page, staff page) and the staff list, scoped."""

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate

from accounts.models import Role
from accounts.scoping import staff_agency_ids
from payments.models import Payment, PaymentStatus
from procedures.workcalendar import TZ as VN_TZ

# Who reads the payments list of an agency (officers see a dossier's payments on its page only).
LIST_ROLES = {Role.CLERK, Role.LEADER, Role.INSPECTOR, Role.ADMIN}


def current_payments(dossier) -> QuerySet[Payment]:
    """The applicant's view: each due once, as its latest attempt (a failed attempt paid again is replaced)."""
    return Payment.objects.filter(dossier=dossier, retry__isnull=True).order_by("sequence")


def all_payments(dossier) -> QuerySet[Payment]:
    """The staff's view: every attempt."""
    return Payment.objects.filter(dossier=dossier).order_by("sequence")


def payment_scope_ids(*, user) -> set[int]:
    """Agencies whose payments the user lists: a clerk's, leader's desk or agency, an inspector's or
    administrator's subtree (accounts.scoping). Empty: no access to the list."""
    return staff_agency_ids(user=user, roles=LIST_ROLES)


def local_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=VN_TZ)


def payments_for_staff(*, user, desk=None, start: date | None = None, end: date | None = None,
                       status: str = "") -> QuerySet[Payment]:
    """Payments of dossiers received at, or decided by, one of the user's agencies; filed under the day they
    were paid (or, not paid, the day they were due). `desk`: received at that desk only."""
    agencies = payment_scope_ids(user=user)
    qs = (Payment.objects.filter(Q(dossier__receiving_agency_id__in=agencies)
                                 | Q(dossier__competent_agency_id__in=agencies))
          .annotate(day_at=Coalesce("paid_at", "created_at")))
    if desk is not None:
        qs = qs.filter(dossier__receiving_agency_id=desk.pk)
    if start is not None:
        qs = qs.filter(day_at__gte=local_start(start))
    if end is not None:
        qs = qs.filter(day_at__lt=local_start(end + timedelta(days=1)))
    if status:
        qs = qs.filter(status=status)
    return qs


def no_payments() -> QuerySet[Payment]:
    """An empty list with the list's columns (a filter form with errors)."""
    return Payment.objects.none().annotate(day_at=Coalesce("paid_at", "created_at"))


def with_list_columns(qs: QuerySet[Payment]) -> QuerySet[Payment]:
    return (qs.select_related("dossier", "dossier__receiving_agency", "dossier__procedure")
            .order_by("-day_at", "-pk"))


def totals_per_day(qs: QuerySet[Payment]) -> list[dict]:
    """Per local day: how many payments, their amount, and the amount paid."""
    rows = (qs.annotate(day=TruncDate("day_at", tzinfo=VN_TZ)).order_by().values("day")
            .annotate(n=Count("pk"), total=Sum("amount"),
                      total_paid=Coalesce(Sum("amount", filter=Q(status=PaymentStatus.PAID)), 0))
            .order_by("-day"))
    return [{"day": r["day"], "count": r["n"], "amount": r["total"], "paid": r["total_paid"]} for r in rows]
