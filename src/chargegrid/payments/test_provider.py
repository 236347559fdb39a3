"""The `test` provider: a deterministic stand-in for a card processor, with its own card
page served by us (web/pay_test.py) that the browser really submits.

Cards (spaces allowed, Luhn-checked like a real processor):

- `4242 4242 4242 4242` (and any other valid number not below): authorised
- `4000 0000 0000 0002`: declined (`card_declined`)
- `4000 0000 0000 9995`: declined (`insufficient_funds`)
- an expiry in the past: declined (`expired_card`)

Intents live in this object's memory, like they would live at the processor: a restart
forgets them, which is fine for tests and demos, and is why it must not be used for money.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlencode, urljoin

from chargegrid.errors import InvalidInputError, NotFoundError
from chargegrid.payments.provider import (
    PaymentError,
    PaymentEvent,
    PaymentIntent,
    PaymentStatus,
    PaymentVerificationError,
)
from chargegrid.settings import Settings

DECLINES: dict[str, str] = {
    "4000000000000002": "card_declined",
    "4000000000009995": "insufficient_funds",
}
PAGE_PATH = "/pay/test/"


def luhn_valid(number: str) -> bool:
    """The check digit every card number carries."""
    if not number.isdigit() or not 12 <= len(number) <= 19:
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _expiry_passed(expiry: str, now: datetime) -> bool:
    """`MM/YY`: valid through the end of that month."""
    try:
        month_s, year_s = expiry.replace(" ", "").split("/")
        month, year = int(month_s), 2000 + int(year_s)
    except ValueError as err:
        raise InvalidInputError("expiry: must be MM/YY") from err
    if not 1 <= month <= 12:
        raise InvalidInputError("expiry: month must be 01..12")
    return (year, month) < (now.year, now.month)


class TestPaymentProvider:
    """In-memory intents, HMAC-signed returns and webhooks, fixed decline cards."""

    __test__ = False  # not a pytest class, whatever its name says

    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self._intents: dict[str, PaymentIntent] = {}
        self._return_urls: dict[str, str] = {}
        self._by_key: dict[str, str] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> TestPaymentProvider:
        """A configured secret, or a random one per process (returns then only verify on
        the node that created the intent: fine for a test provider)."""
        configured = settings.payment_secret
        secret = (configured.get_secret_value().encode() if configured is not None
                  else secrets.token_bytes(32))
        return cls(secret)

    @property
    def name(self) -> str:
        return "test"

    async def create_hold(self, *, amount: Decimal, currency: str, description: str,
                          return_url: str, idempotency_key: str) -> PaymentIntent:
        """A new intent (the same one again for a repeated idempotency key)."""
        if amount <= 0:
            raise InvalidInputError("amount: must be positive")
        if idempotency_key in self._by_key:
            return self._intents[self._by_key[idempotency_key]]
        reference = "pi_test_" + secrets.token_hex(12)
        intent = PaymentIntent(reference=reference, amount=amount, currency=currency.upper(),
                               status=PaymentStatus.REQUIRES_PAYMENT,
                               redirect_url=urljoin(return_url, PAGE_PATH + reference))
        self._intents[reference] = intent
        self._return_urls[reference] = return_url
        self._by_key[idempotency_key] = reference
        return intent

    async def retrieve(self, reference: str) -> PaymentIntent:
        return self._get(reference)

    def confirm(self, reference: str, *, card_number: str, expiry: str,
                now: datetime) -> PaymentIntent:
        """What the card page does when the driver submits: authorise or decline."""
        intent = self._get(reference)
        if intent.status is not PaymentStatus.REQUIRES_PAYMENT:
            raise PaymentError(f"payment {reference} is already {intent.status.value}")
        number = card_number.replace(" ", "").replace("-", "")
        if not luhn_valid(number):
            raise InvalidInputError("card number: not a valid card number")
        reason = DECLINES.get(number)
        if reason is None and _expiry_passed(expiry, now):
            reason = "expired_card"
        if reason is not None:
            intent = replace(intent, status=PaymentStatus.DECLINED, decline_reason=reason)
        else:
            intent = replace(intent, status=PaymentStatus.AUTHORISED)
        self._intents[reference] = intent
        return intent

    def return_url_for(self, reference: str) -> str:
        """Where the card page sends the driver back, with signed parameters."""
        base = self._return_urls[self._get(reference).reference]
        sep = "&" if "?" in base else "?"
        return base + sep + urlencode({"payment_ref": reference,
                                       "payment_sig": self._sign(reference.encode())})

    def verify_return(self, params: Mapping[str, str]) -> str:
        reference = params.get("payment_ref", "")
        signature = params.get("payment_sig", "")
        if not reference or not hmac.compare_digest(self._sign(reference.encode()),
                                                    signature):
            raise PaymentVerificationError("payment return: missing or invalid signature")
        return reference

    def sign_webhook(self, body: bytes, timestamp: int) -> str:
        """The signature header a webhook carries (Stripe's `t=…,v1=…` shape)."""
        return f"t={timestamp},v1={self._sign(str(timestamp).encode() + b'.' + body)}"

    def webhook_body(self, reference: str) -> bytes:
        """The event body the provider would POST for an intent's current status."""
        intent = self._get(reference)
        return json.dumps({"reference": reference,
                           "kind": f"payment.{intent.status.value}"}).encode()

    def verify_webhook(self, body: bytes, signature: str) -> PaymentEvent:
        parts = dict(p.split("=", 1) for p in signature.split(",") if "=" in p)
        timestamp, given = parts.get("t", ""), parts.get("v1", "")
        expected = self._sign(timestamp.encode() + b"." + body)
        if not timestamp or not hmac.compare_digest(expected, given):
            raise PaymentVerificationError("webhook: missing or invalid signature")
        try:
            data = json.loads(body)
            return PaymentEvent(reference=str(data["reference"]), kind=str(data["kind"]))
        except (ValueError, KeyError, TypeError) as err:
            raise PaymentVerificationError("webhook: body is not a payment event") from err

    async def capture(self, reference: str, amount: Decimal) -> PaymentIntent:
        intent = self._get(reference)
        if intent.status is not PaymentStatus.AUTHORISED:
            raise PaymentError(f"payment {reference} cannot be captured: it is "
                               f"{intent.status.value}")
        if amount < 0 or amount > intent.amount:
            raise PaymentError(f"capture of {amount} is outside the hold of {intent.amount}")
        intent = replace(intent, status=PaymentStatus.CAPTURED, captured=amount)
        self._intents[reference] = intent
        return intent

    async def cancel(self, reference: str) -> PaymentIntent:
        intent = self._get(reference)
        if intent.status in (PaymentStatus.CAPTURED, PaymentStatus.REFUNDED):
            raise PaymentError(f"payment {reference} was captured: refund it instead")
        if intent.status is not PaymentStatus.DECLINED:
            intent = replace(intent, status=PaymentStatus.CANCELLED)
            self._intents[reference] = intent
        return intent

    async def refund(self, reference: str, amount: Decimal) -> PaymentIntent:
        intent = self._get(reference)
        if intent.status is not PaymentStatus.CAPTURED or intent.captured is None:
            raise PaymentError(f"payment {reference} has nothing captured to refund")
        if amount <= 0 or amount > intent.captured:
            raise PaymentError(f"refund of {amount} is outside the captured {intent.captured}")
        intent = replace(intent, status=PaymentStatus.REFUNDED, refunded=amount)
        self._intents[reference] = intent
        return intent

    def _get(self, reference: str) -> PaymentIntent:
        intent = self._intents.get(reference)
        if intent is None:
            raise NotFoundError(f"payment {reference!r} does not exist")
        return intent

    def _sign(self, data: bytes) -> str:
        return hmac.new(self._secret, data, hashlib.sha256).hexdigest()
