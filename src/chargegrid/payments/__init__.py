"""Payment providers for ad-hoc charging: one interface shaped after Stripe-like flows
(hold, driver confirms on the provider's page, capture the final amount, release the rest),
a registry chosen by settings, and a deterministic `test` provider."""

from chargegrid.payments.provider import (
    PaymentDeclinedError,
    PaymentError,
    PaymentEvent,
    PaymentIntent,
    PaymentProvider,
    PaymentStatus,
    PaymentVerificationError,
)
from chargegrid.payments.registry import PaymentRegistry, default_payment_registry

__all__ = [
    "PaymentDeclinedError",
    "PaymentError",
    "PaymentEvent",
    "PaymentIntent",
    "PaymentProvider",
    "PaymentRegistry",
    "PaymentStatus",
    "PaymentVerificationError",
    "default_payment_registry",
]
