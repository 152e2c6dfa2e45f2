"""Every write to a payment: the dues opened by the dossier's actions, the start of a payment at the gateway, the
gateway's results (one code path for the IPN, the return page's query and the reconciliation), expiry.

Guarantees: a payment is marked paid once — its row is locked (select_for_update) while a result is applied, and a
gateway transaction number confirms one payment (a unique constraint) — and the dossier hears of it in the same
transaction (`dossiers.services.dossier_payment_received`). A refused result changes nothing and is logged
without personal data (the reference, the outcome and the gateway's codes only).
"""

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ConcurrentChange, DossierError, InvalidInput, TransitionRefused
from core.prepared import Prepared, update_row
from dossiers.models import Dossier, State
from dossiers.services import dossier_payment_received
from payments import conf
from payments.models import Payment, PaymentPurpose, PaymentStatus
from payments.providers.base import GatewayError, GatewayResult, Order, Outcome, SignatureError

log = logging.getLogger("payments")

REFERENCE_SUFFIX = "-TT{:02d}"
MAX_AMOUNT = 9_999_999_999  # vnp_Amount (đồng × 100) is at most 12 digits
# A payment may be started, or paid again after a failure, only in these states of its dossier.
PAYABLE_STATES = {State.SUBMITTED, State.RECEIVED, State.PROCESSING, State.SUPPLEMENT_REQUESTED,
                  State.AWAITING_PAYMENT, State.RESOLVED}


def reference_for(dossier: Dossier, sequence: int) -> str:
    return f"{dossier.code}{REFERENCE_SUFFIX.format(sequence)}"


# ---------------------------------------------------------------- dues
def payment_open(*, dossier: Dossier, amount: int, description: str, purpose: str,
                 retry_of: Payment | None = None) -> Payment:
    """A new due of `amount` đồng on the dossier, with the next reference (<code>-TT01, -TT02, …)."""
    if amount <= 0:
        raise InvalidInput(_("Số tiền phải lớn hơn 0 đồng."))
    if amount > MAX_AMOUNT:
        raise InvalidInput(_("Số tiền lớn hơn mức cổng thanh toán nhận (9.999.999.999 đồng); hãy chia thành nhiều "
                             "khoản hoặc thu tại nơi tiếp nhận."))
    for _attempt in range(3):  # two dues opened at once draw the same number: the loser draws again
        sequence = (Payment.objects.filter(dossier=dossier).aggregate(n=Max("sequence"))["n"] or 0) + 1
        try:
            with transaction.atomic():
                return Payment.objects.create(
                    dossier=dossier, sequence=sequence, reference=reference_for(dossier, sequence), purpose=purpose,
                    description=description[:500], amount=int(amount), retry_of=retry_of)
        except IntegrityError:
            if retry_of is not None and Payment.objects.filter(retry_of=retry_of).exists():
                return Payment.objects.get(retry_of=retry_of)
    raise ConcurrentChange(_("Khoản thanh toán vừa được người khác tạo; hãy tải lại trang."))


def fees_description(procedure) -> tuple[int, str]:
    """The procedure's fees with an amount: their total and what they are."""
    fees = [fee for fee in procedure.fees.all() if fee.amount]
    total = sum(int(fee.amount) for fee in fees)
    return total, "; ".join(fee.description for fee in fees)


def open_dues_for_action(*, dossier: Dossier, action: str, event, details: dict) -> Payment | None:
    """The due an action opens, inside the action's transaction (payments/receivers.py): the procedure's fees at
    reception when they add up to more than 0, the amount an officer asks for with a financial obligation."""
    if action == "receive":
        total, what = fees_description(dossier.procedure)
        if total <= 0 or Payment.objects.filter(dossier=dossier, purpose=PaymentPurpose.FEES).exists():
            return None
        return payment_open(dossier=dossier, amount=total, purpose=PaymentPurpose.FEES,
                            description=_("Phí, lệ phí: %(what)s") % {"what": what})
    if action == "await_payment" and details.get("amount"):
        note = getattr(event, "note", "") or ""
        return payment_open(dossier=dossier, amount=int(details["amount"]), purpose=PaymentPurpose.OBLIGATION,
                            description=note or _("Nghĩa vụ tài chính"))
    return None


# ---------------------------------------------------------------- starting a payment
def order_of(payment: Payment) -> Order:
    return Order(reference=payment.reference, amount=payment.amount, description=payment.description,
                 started_at=payment.started_at, expires_at=payment.expires_at)


def latest_attempt(payment: Payment) -> Payment:
    """The last attempt at paying the same due (following the retries)."""
    for _step in range(100):
        later = Payment.objects.filter(retry_of=payment).first()
        if later is None:
            return payment
        payment = later
    return payment


def payment_start(*, payment: Payment, client_ip: str) -> tuple[Payment, str]:
    """The gateway's address for paying `payment`'s due: its latest attempt if still open, else a new attempt (a
    failed or expired one is never reused). An attempt is timed: started_at, expires_at = started_at +
    LIFETIME_MINUTES; an expired one is first checked with the gateway (it may have been paid at the last
    moment)."""
    gateway = conf.current()
    if gateway is None:
        raise TransitionRefused(_("Thanh toán trực tuyến chưa được cấu hình; mời bạn nộp tại nơi tiếp nhận hồ sơ."))
    now = timezone.now()
    attempt = latest_attempt(payment)
    if attempt.status == PaymentStatus.PENDING and attempt.expires_at is not None and attempt.expires_at <= now:
        if payment_check(attempt, client_ip=client_ip, now=now) == "error":
            raise TransitionRefused(_("Chưa kiểm tra được lần thanh toán trước với cổng thanh toán; mời bạn thử lại "
                                      "sau ít phút."))
    with transaction.atomic():
        locked = Payment.objects.select_for_update().select_related("dossier").get(pk=attempt.pk)
        if locked.dossier.state not in PAYABLE_STATES:
            raise TransitionRefused(_("Hồ sơ ở trạng thái này không cần thanh toán."))
        if locked.status in (PaymentStatus.FAILED, PaymentStatus.EXPIRED):
            later = Payment.objects.filter(retry_of=locked).first() or payment_open(
                dossier=locked.dossier, amount=locked.amount, purpose=locked.purpose,
                description=locked.description, retry_of=locked)
            locked = Payment.objects.select_for_update().select_related("dossier").get(pk=later.pk)
        if locked.status != PaymentStatus.PENDING:
            raise TransitionRefused(_("Khoản này đã được thanh toán."))
        if locked.expires_at is not None and locked.expires_at <= now:
            raise TransitionRefused(_("Lần thanh toán trước đang được kiểm tra; mời bạn thử lại sau ít phút."))
        if locked.started_at is None:
            locked.provider = gateway.provider().name
            locked.started_at = now
            locked.expires_at = now + timedelta(minutes=gateway.lifetime_minutes)
            locked.save(update_fields=["provider", "started_at", "expires_at", "updated_at"])
    url = gateway.provider().redirect_url(order_of(locked), return_url=conf.return_url(), client_ip=client_ip)
    log.info("payments: %s started at %s", locked.reference, locked.provider)
    return locked, url


def payment_check(payment: Payment, *, client_ip: str = "127.0.0.1", now=None) -> str:
    """Ask the gateway (querydr, server to server: trusted) what became of a started payment and apply it through
    the callbacks' code path; an attempt past its expiry that the gateway did not take is expired. Returns
    "paid", "failed", "expired", "pending" or "error" (gateway unreachable or its answer refused)."""
    gateway = conf.current()
    if gateway is None or payment.started_at is None:
        return "pending"
    now = now or timezone.now()
    try:
        result = gateway.provider().query_status(order_of(payment), client_ip=client_ip, now=now)
    except (GatewayError, SignatureError) as exc:
        log.warning("payments: querydr for %s failed: %s", payment.reference, type(exc).__name__)
        return "error"
    if result.paid or result.failed:
        try:
            outcome = payment_apply_result(result, source="querydr")
        # Rolled back (a dossier that refused the event, the database, anything else): the next run tries again,
        # and neither the reconciliation's other payments nor the citizen's page fail with it.
        except Exception as exc:  # noqa: BLE001
            log.warning("payments: querydr result for %s not applied: %s", payment.reference, type(exc).__name__)
            return "error"
        if outcome not in (Outcome.CONFIRMED, Outcome.ALREADY_CONFIRMED):
            return "error"
        return "paid" if result.paid else "failed"
    if payment_expire(payment=payment, now=now):
        return "expired"
    return "pending"


# ---------------------------------------------------------------- the gateway's results
# Every callback's first statement, compiled once per connection (core/prepared.py). No ordering: the reference is
# unique, and the model's ordering (by dossier) would join the dossier and lock its row too, ahead of the
# dossier service's own lock.
_LOCK_BY_REFERENCE = Prepared(lambda reference: (Payment.objects.select_for_update().filter(reference=reference)
                                                 .order_by()), probe="\x00probe")


def payment_apply_result(result: GatewayResult, *, source: str) -> Outcome:
    """What the gateway said (signature already checked) applied to the payment, in one transaction: paid once
    (and the dossier told), failed, or refused with the reason (nothing changed)."""
    with transaction.atomic():
        payment = _LOCK_BY_REFERENCE.get(str(result.reference))
        if payment is None:
            log.warning("payments: %s refused: no payment %r", source, result.reference[:100])
            return Outcome.NOT_FOUND
        if result.amount is not None and result.amount != payment.amount:
            log.warning("payments: %s for %s refused: amount differs from the due", source, payment.reference)
            return Outcome.BAD_AMOUNT
        if payment.status in (PaymentStatus.PAID, PaymentStatus.REFUNDED):
            if result.paid and result.transaction_id != payment.provider_transaction_id:
                log.error("payments: %s for %s: a second transaction %s for a paid payment (refund it)",
                          source, payment.reference, result.transaction_id)
            else:
                log.info("payments: %s for %s: already confirmed", source, payment.reference)
            return Outcome.ALREADY_CONFIRMED
        if result.paid:
            # Also after a failure or an expiry: the money was taken, so it is recorded.
            _mark_paid(payment, result, source=source)
            return Outcome.CONFIRMED
        if result.failed:
            if payment.status != PaymentStatus.PENDING:
                return Outcome.ALREADY_CONFIRMED
            payment.status = PaymentStatus.FAILED
            payment.response_code = result.response_code[:8]
            payment.raw_callback = {"source": source, **result.raw}
            payment.save(update_fields=["status", "response_code", "raw_callback", "updated_at"])
            log.info("payments: %s for %s: failed at the gateway (code %s)", source, payment.reference,
                     result.response_code)
            return Outcome.CONFIRMED
        return Outcome.ALREADY_CONFIRMED if payment.status != PaymentStatus.PENDING else Outcome.CONFIRMED


PAID_FIELDS = ("status", "provider", "provider_transaction_id", "bank_code", "response_code", "paid_at", "raw_callback",
               "updated_at")


def _mark_paid(payment: Payment, result: GatewayResult, *, source: str) -> None:
    payment.status = PaymentStatus.PAID
    payment.provider = payment.provider or "vnpay"
    payment.provider_transaction_id = result.transaction_id[:64]
    payment.bank_code = result.bank_code[:20]
    payment.response_code = result.response_code[:8]
    payment.paid_at = result.paid_at or timezone.now()
    payment.raw_callback = {"source": source, **result.raw}
    # A transaction number already used for another payment: IntegrityError, the whole transaction rolls back.
    # (save(update_fields=…) as one UPDATE whose text is written once: Payment has no save() of its own and no
    # save signal receivers.)
    update_row(payment, PAID_FIELDS)
    log.info("payments: %s for %s: paid (transaction %s)", source, payment.reference, result.transaction_id)
    _tell_dossier(payment)


def _tell_dossier(payment: Payment) -> None:
    """dossier_payment_received, which locks the dossier as it is now (after the payment's lock, in this
    transaction). A dossier paused for another, still unpaid obligation is not resumed by this payment (only
    recorded in the log)."""
    def may_resume(dossier: Dossier) -> bool:
        if Payment.objects.filter(dossier_id=dossier.pk, purpose=PaymentPurpose.OBLIGATION,
                                  status=PaymentStatus.PENDING, retry__isnull=True).exclude(pk=payment.pk).exists():
            log.info("payments: %s paid while the dossier waits for another obligation: not resumed",
                     payment.reference)
            return False
        return True

    try:
        dossier_payment_received(dossier_id=payment.dossier_id, reference=payment.reference, amount=payment.amount,
                                 may_resume=may_resume)
    except DossierError as exc:  # e.g. no longer allowed: the payment stays recorded, staff see it
        log.warning("payments: %s paid but the dossier refused the event: %s", payment.reference,
                    type(exc).__name__)


def payment_expire(*, payment: Payment, now=None) -> bool:
    """A pending attempt past its expiry that the gateway did not take: expired. True when it changed."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status != PaymentStatus.PENDING or locked.expires_at is None or locked.expires_at > now:
            return False
        locked.status = PaymentStatus.EXPIRED
        locked.save(update_fields=["status", "updated_at"])
    log.info("payments: %s expired", payment.reference)
    return True
