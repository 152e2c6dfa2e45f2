"""The interface every payment gateway implements. Pure Python (no Django): the simulator uses it too.

A provider builds the address the citizen's browser is sent to, checks a callback the gateway sends (the IPN),
and asks the gateway about one payment (server to server). What it reads back is a `GatewayResult`, always
after the signature was checked; the services (payments/services.py) decide what it changes.
"""

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class SignatureError(Exception):
    """A message whose signature (or merchant) is not ours: nothing it says may be used."""


class GatewayError(Exception):
    """The gateway could not be reached, or answered something that is not its protocol."""


@dataclass(frozen=True)
class Order:
    """What a gateway needs to know about one payment."""

    reference: str  # ours, unique (VNPAY's vnp_TxnRef)
    amount: int  # đồng
    description: str
    started_at: datetime  # the payment attempt's creation (VNPAY's vnp_CreateDate, vnp_TransactionDate)
    expires_at: datetime


@dataclass(frozen=True)
class GatewayResult:
    """What the gateway says about one payment (signature checked)."""

    reference: str
    found: bool = True  # the gateway knows the payment
    amount: int | None = None  # đồng
    paid: bool = False  # money taken: confirm it
    failed: bool = False  # refused or cancelled for good
    transaction_id: str = ""  # the gateway's own number
    response_code: str = ""
    transaction_status: str = ""
    bank_code: str = ""
    paid_at: datetime | None = None
    raw: dict = field(default_factory=dict)


class Outcome(StrEnum):
    """What the application did with a callback: the provider turns it into the gateway's answer."""

    CONFIRMED = "confirmed"  # recorded (paid, or failed)
    NOT_FOUND = "not_found"
    BAD_AMOUNT = "bad_amount"
    ALREADY_CONFIRMED = "already_confirmed"
    BAD_SIGNATURE = "bad_signature"
    ERROR = "error"


class Provider(ABC):
    name: str

    @abstractmethod
    def redirect_url(self, order: Order, *, return_url: str, client_ip: str) -> str:
        """The gateway's payment page for `order`, signed; the browser comes back to `return_url`."""

    @abstractmethod
    def verify_callback(self, params: Mapping[str, str]) -> GatewayResult:
        """The gateway's callback (IPN), or SignatureError."""

    @abstractmethod
    def query_status(self, order: Order, *, client_ip: str, now: datetime) -> GatewayResult:
        """Ask the gateway (server to server) what became of `order`; GatewayError or SignatureError."""

    @abstractmethod
    def callback_answer(self, outcome: Outcome) -> dict:
        """The body the gateway expects in answer to its callback."""
