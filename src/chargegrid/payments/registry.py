"""Providers by name, chosen by the `CHARGEGRID_PAYMENT_PROVIDER` setting.

An ordinary object, not filled by import side effects (like the meter registry): two tests
or two runtimes never see each other's providers. A Stripe adapter would register itself
here with a factory that reads its API key from the settings.
"""

from __future__ import annotations

from collections.abc import Callable

from chargegrid.errors import ConflictError, InvalidInputError
from chargegrid.payments.provider import PaymentProvider
from chargegrid.settings import Settings

ProviderFactory = Callable[[Settings], PaymentProvider]


class PaymentRegistry:
    """Provider name → factory; refuses duplicates and unknown names with a clear error."""

    def __init__(self) -> None:
        self._factories: dict[str, ProviderFactory] = {}

    def register(self, name: str, factory: ProviderFactory) -> None:
        """Add a provider; each name once (a silent override hides bugs)."""
        if not name or name != name.strip().lower():
            raise InvalidInputError(f"payment provider name {name!r} must be non-empty "
                                    "lower case")
        if name in self._factories:
            raise ConflictError(f"payment provider {name!r} is already registered")
        self._factories[name] = factory

    def names(self) -> list[str]:
        return sorted(self._factories)

    def create(self, name: str, settings: Settings) -> PaymentProvider:
        """Build the provider the settings name."""
        factory = self._factories.get(name)
        if factory is None:
            known = ", ".join(self.names()) or "none"
            raise InvalidInputError(
                f"payment_provider: unknown payment provider {name!r} (known: {known})")
        return factory(settings)


def default_payment_registry() -> PaymentRegistry:
    """The providers shipped with ChargeGrid."""
    from chargegrid.payments.test_provider import TestPaymentProvider

    registry = PaymentRegistry()
    registry.register("test", TestPaymentProvider.from_settings)
    return registry
