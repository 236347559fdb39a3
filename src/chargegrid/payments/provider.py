"""The payment-provider interface, shaped after Stripe's manual-capture PaymentIntents.

The flow every provider follows:

1. `create_hold` — ask for a pre-authorisation of the most the session may cost; the
   provider answers with a reference and a `redirect_url`, its own page where the driver
   enters the card (we never see card numbers).
2. The driver confirms there; the provider sends them back to our `return_url` with
   signed query parameters (`verify_return`), and/or notifies us by a signed webhook
   (`verify_webhook`). Either way we then `retrieve` the intent and trust only that.
3. `capture` the final price (at most the hold: the rest is released), or `cancel` the
   hold if no charging happened; `refund` for corrections after capture.

Methods are async because real providers are remote HTTP APIs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from chargegrid.errors import ChargeGridError


class PaymentStatus(StrEnum):
    REQUIRES_PAYMENT = "requires_payment"  # created, the driver has not confirmed yet
    AUTHORISED = "authorised"  # the hold is in place (Stripe: requires_capture)
    DECLINED = "declined"
    CAPTURED = "captured"
    CANCELLED = "cancelled"  # the hold was released without capture
    REFUNDED = "refunded"


class PaymentError(ChargeGridError):
    """The provider refused an operation or could not be reached."""

    code = "payment_error"


class PaymentDeclinedError(PaymentError):
    """The card (or other means) was declined."""

    code = "payment_declined"


class PaymentVerificationError(PaymentError):
    """A return URL or webhook did not carry a valid signature: never act on it."""

    code = "payment_unverified"


@dataclass(frozen=True, slots=True)
class PaymentIntent:
    """The provider's view of one payment; amounts in the currency's major unit."""

    reference: str
    amount: Decimal  # the amount held (or asked for)
    currency: str
    status: PaymentStatus
    redirect_url: str | None = None
    captured: Decimal | None = None
    refunded: Decimal | None = None
    decline_reason: str | None = None


@dataclass(frozen=True, slots=True)
class PaymentEvent:
    """A verified webhook: which intent changed and what the provider says happened."""

    reference: str
    kind: str  # e.g. "payment.authorised", "payment.declined"


class PaymentProvider(Protocol):
    """What ad-hoc charging needs of a payment provider."""

    @property
    def name(self) -> str: ...

    async def create_hold(self, *, amount: Decimal, currency: str, description: str,
                          return_url: str, idempotency_key: str) -> PaymentIntent:
        """Open a pre-authorisation of `amount`; the driver confirms at `redirect_url`."""
        ...

    async def retrieve(self, reference: str) -> PaymentIntent:
        """The provider's current view of the intent (the only thing we trust)."""
        ...

    def verify_return(self, params: Mapping[str, str]) -> str:
        """Check the signed parameters the provider appended to our return URL; return the
        intent's reference or raise PaymentVerificationError."""
        ...

    def verify_webhook(self, body: bytes, signature: str) -> PaymentEvent:
        """Check a webhook's signature header against its raw body."""
        ...

    async def capture(self, reference: str, amount: Decimal) -> PaymentIntent:
        """Take `amount` (≤ the hold) and release the rest."""
        ...

    async def cancel(self, reference: str) -> PaymentIntent:
        """Release the whole hold."""
        ...

    async def refund(self, reference: str, amount: Decimal) -> PaymentIntent:
        """Give back part or all of a captured amount."""
        ...
