"""The rounding rules of billing, in one place so they are explicit and tested.

1. Quantities (kWh, hours) of a price line: 4 decimals, ROUND_HALF_UP.
2. Line amounts: rounded quantity × unit price, 4 decimals, ROUND_HALF_UP. Keeping 4
   decimals per line (not cents) means a session split into many bands costs the same as
   one priced in a single band, within 0.0001 per line, instead of up to half a cent a line.
3. The session's net amount (after minimum/maximum) is rounded to cents, ROUND_HALF_UP.
4. VAT = rounded net × rate, rounded to cents, ROUND_HALF_UP; total = net + VAT (so the total
   always equals the sum of its printed parts).
5. Statements and invoices add up session totals that are already in cents, so they
   reconcile to the cent with the sum of session prices by construction.

Money is Decimal everywhere; a float reaching these functions is refused.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

QUANTITY_STEP = Decimal("0.0001")
LINE_STEP = Decimal("0.0001")
CENT = Decimal("0.01")


def _check(value: Decimal) -> Decimal:
    if not isinstance(value, Decimal):
        raise TypeError(f"money and quantities must be Decimal, got {type(value).__name__}")
    return value


def quantity(value: Decimal) -> Decimal:
    """A line's quantity (kWh or hours) to 4 decimals, half up."""
    return _check(value).quantize(QUANTITY_STEP, rounding=ROUND_HALF_UP)


def line_amount(qty: Decimal, unit_price: Decimal) -> Decimal:
    """A line's amount: quantity × unit price, to 4 decimals, half up."""
    return (_check(qty) * _check(unit_price)).quantize(LINE_STEP, rounding=ROUND_HALF_UP)


def cents(value: Decimal) -> Decimal:
    """An amount to cents, half up (net per session, VAT per session)."""
    return _check(value).quantize(CENT, rounding=ROUND_HALF_UP)


def vat(net: Decimal, rate: Decimal) -> Decimal:
    """VAT on a net amount already in cents, to cents, half up."""
    return cents(_check(net) * _check(rate))
