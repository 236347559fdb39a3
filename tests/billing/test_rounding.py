"""The rounding rules: 4 decimals per line, cents half up for net and VAT."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chargegrid.billing import rounding

D = Decimal


@pytest.mark.parametrize(("value", "expected"), [
    ("0.125", "0.13"), ("0.135", "0.14"), ("0.145", "0.15"), ("0.1249", "0.12"),
    ("2.005", "2.01"), ("-0.125", "-0.13"),
])
def test_cents_round_half_up_not_to_even(value: str, expected: str) -> None:
    assert rounding.cents(D(value)) == D(expected)


def test_line_amount_keeps_four_decimals() -> None:
    assert rounding.line_amount(D("0.3333"), D("0.3")) == D("0.1000")  # 0.09999
    assert rounding.line_amount(D("1.2345"), D("0.25")) == D("0.3086")  # 0.308625
    assert rounding.quantity(D("0.00005")) == D("0.0001")


def test_vat_on_net_cents() -> None:
    assert rounding.vat(D("10.05"), D("0.055")) == D("0.55")  # 0.55275
    assert rounding.vat(D("0.05"), D("0.10")) == D("0.01")  # 0.005 half up


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        rounding.cents(0.1)  # type: ignore[arg-type]
