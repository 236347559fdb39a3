"""The payment provider interface through the `test` provider, and the registry."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from chargegrid.errors import ConflictError, InvalidInputError, NotFoundError
from chargegrid.payments import (
    PaymentError,
    PaymentRegistry,
    PaymentStatus,
    PaymentVerificationError,
    default_payment_registry,
)
from chargegrid.payments.test_provider import TestPaymentProvider, luhn_valid
from chargegrid.settings import Settings

NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)
RETURN = "https://cg.example/s/tok/return"


@pytest.fixture
def provider() -> TestPaymentProvider:
    return TestPaymentProvider(b"k" * 32)


async def hold(provider: TestPaymentProvider, key: str = "k1") -> str:
    intent = await provider.create_hold(amount=Decimal("30.00"), currency="eur",
                                        description="d", return_url=RETURN,
                                        idempotency_key=key)
    assert intent.status is PaymentStatus.REQUIRES_PAYMENT and intent.currency == "EUR"
    assert intent.redirect_url == f"https://cg.example/pay/test/{intent.reference}"
    return intent.reference


@pytest.mark.parametrize(("number", "valid"), [
    ("4242424242424242", True), ("4000000000000002", True), ("4242424242424241", False),
    ("42", False), ("4242x42424242424", False)])
def test_luhn(number: str, valid: bool) -> None:
    assert luhn_valid(number) is valid


async def test_hold_confirm_capture_releases_the_rest(provider: TestPaymentProvider) -> None:
    ref = await hold(provider)
    assert await hold(provider) == ref  # idempotent on the key
    assert provider.confirm(ref, card_number="4242 4242 4242 4242", expiry="01/30",
                            now=NOW).status is PaymentStatus.AUTHORISED
    captured = await provider.capture(ref, Decimal("7.35"))
    assert captured.status is PaymentStatus.CAPTURED and captured.captured == Decimal("7.35")
    with pytest.raises(PaymentError, match="captured: refund it instead"):
        await provider.cancel(ref)
    refunded = await provider.refund(ref, Decimal("1.00"))
    assert refunded.status is PaymentStatus.REFUNDED and refunded.refunded == Decimal("1.00")


async def test_capture_above_the_hold_is_refused(provider: TestPaymentProvider) -> None:
    ref = await hold(provider)
    provider.confirm(ref, card_number="4242424242424242", expiry="01/30", now=NOW)
    with pytest.raises(PaymentError, match="outside the hold"):
        await provider.capture(ref, Decimal("30.01"))
    assert (await provider.retrieve(ref)).status is PaymentStatus.AUTHORISED


@pytest.mark.parametrize(("card", "expiry", "reason"), [
    ("4000 0000 0000 0002", "01/30", "card_declined"),
    ("4000 0000 0000 9995", "01/30", "insufficient_funds"),
    ("4242 4242 4242 4242", "10/26", "expired_card"),
])
async def test_declines(provider: TestPaymentProvider, card: str, expiry: str,
                        reason: str) -> None:
    ref = await hold(provider)
    intent = provider.confirm(ref, card_number=card, expiry=expiry, now=NOW)
    assert intent.status is PaymentStatus.DECLINED and intent.decline_reason == reason
    with pytest.raises(PaymentError, match="cannot be captured"):
        await provider.capture(ref, Decimal("1.00"))
    with pytest.raises(PaymentError, match="already declined"):
        provider.confirm(ref, card_number="4242424242424242", expiry="01/30", now=NOW)


async def test_bad_card_input_is_named(provider: TestPaymentProvider) -> None:
    ref = await hold(provider)
    with pytest.raises(InvalidInputError, match="card number"):
        provider.confirm(ref, card_number="1234", expiry="01/30", now=NOW)
    with pytest.raises(InvalidInputError, match="expiry"):
        provider.confirm(ref, card_number="4242424242424242", expiry="13/30", now=NOW)
    assert (await provider.retrieve(ref)).status is PaymentStatus.REQUIRES_PAYMENT
    with pytest.raises(NotFoundError):
        await provider.retrieve("pi_test_nope")


async def test_return_and_webhook_signatures(provider: TestPaymentProvider) -> None:
    ref = await hold(provider)
    url = provider.return_url_for(ref)
    assert url.startswith(RETURN + "?payment_ref=" + ref)
    params = dict(p.split("=", 1) for p in url.split("?", 1)[1].split("&"))
    assert provider.verify_return(params) == ref
    for forged in ({**params, "payment_sig": "0" * 64}, {"payment_ref": ref}, {}):
        with pytest.raises(PaymentVerificationError):
            provider.verify_return(forged)
    other = TestPaymentProvider(b"x" * 32)  # another secret: another node, an attacker
    with pytest.raises(PaymentVerificationError):
        other.verify_return(params)

    body = provider.webhook_body(ref)
    header = provider.sign_webhook(body, 1_700_000_000)
    event = provider.verify_webhook(body, header)
    assert event.reference == ref and event.kind == "payment.requires_payment"
    with pytest.raises(PaymentVerificationError):
        provider.verify_webhook(body.replace(b"requires", b"REQUIRES"), header)
    with pytest.raises(PaymentVerificationError):
        provider.verify_webhook(body, "t=1,v1=00")


def test_registry_chooses_by_settings_and_refuses_unknown_or_duplicates() -> None:
    registry = default_payment_registry()
    assert registry.names() == ["test"]
    provider = registry.create("test", Settings(payment_secret="s" * 32))  # type: ignore[arg-type]
    assert provider.name == "test"
    with pytest.raises(InvalidInputError, match="unknown payment provider 'stripe'"):
        registry.create("stripe", Settings())
    with pytest.raises(ConflictError, match="already registered"):
        registry.register("test", TestPaymentProvider.from_settings)
    with pytest.raises(InvalidInputError, match="lower case"):
        PaymentRegistry().register("Test", TestPaymentProvider.from_settings)
