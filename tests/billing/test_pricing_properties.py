"""Properties of the pricing engine over random sessions and tariffs (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from chargegrid.billing import rounding
from chargegrid.billing.pricing import EnergySample, SessionInput, idle_from_samples, price_session
from chargegrid.billing.tariff import Band, Prices, Tariff, TariffVersion

D = Decimal
START = datetime(2026, 3, 27, tzinfo=UTC)  # the weekend of the spring DST change in Paris
price = st.decimals(min_value=0, max_value=2, places=4)


@st.composite
def tariffs(draw: st.DrawFn) -> Tariff:
    change = START + timedelta(minutes=draw(st.integers(0, 3 * 24 * 60)))
    versions = []
    for i, (a, b) in enumerate(((START - timedelta(days=30), change), (change, None))):
        hours = sorted(draw(st.lists(st.integers(0, 23), min_size=2, max_size=2, unique=True)))
        versions.append(TariffVersion(
            id=i + 1, valid_from=a, valid_to=b, timezone="Europe/Paris",
            base=Prices(draw(price), draw(price), draw(price)),
            bands=(Band("peak", time(hours[0]), time(hours[1]),
                        Prices(draw(price), draw(price), draw(price))),),
            session_fee=draw(price), vat_rate=D("0.20"),
            idle_grace=timedelta(minutes=draw(st.integers(0, 60)))))
    return Tariff(1, "t", "EUR", tuple(versions))


@st.composite
def sessions(draw: st.DrawFn) -> SessionInput:
    begin = START + timedelta(minutes=draw(st.integers(0, 3 * 24 * 60)))
    steps = draw(st.lists(st.tuples(st.integers(1, 240), st.integers(0, 11000)),
                          min_size=1, max_size=12))
    at, wh = begin, D(draw(st.integers(0, 10**6)))
    smp = [EnergySample(at, wh)]
    for minutes, power_w in steps:
        at += timedelta(minutes=minutes)
        wh += D(power_w) * minutes / 60
        smp.append(EnergySample(at, wh))
    return SessionInput(begin, at, tuple(smp), idle_from_samples(smp))


@settings(max_examples=150, deadline=None)
@given(tariffs(), sessions())
def test_lines_add_up_and_totals_are_consistent(tariff: Tariff, s: SessionInput) -> None:
    b = price_session(tariff, s)
    assert sum((x.amount for x in b.lines), D(0)) == b.subtotal  # no min/max here
    assert b.net == rounding.cents(b.subtotal)
    assert b.total == b.net + b.vat
    assert b.vat == rounding.vat(b.net, D("0.20"))
    energy_lines = [x.quantity for x in b.lines if x.kind == "energy"]
    exact = (s.samples[-1].wh - s.samples[0].wh) / 1000
    assert abs(sum(energy_lines, D(0)) - exact) <= D("0.00005") * (len(energy_lines) + 1)
    hours = sum((x.quantity for x in b.lines if x.kind in ("charging_time", "idle_time")),
                D(0))
    assert hours <= D((s.stopped_at - s.started_at).total_seconds()) / 3600 + D("0.001")


@settings(max_examples=100, deadline=None)
@given(tariffs(), sessions(), st.data())
def test_an_extra_interpolated_sample_changes_nothing(tariff: Tariff, s: SessionInput,
                                                      data: st.DataObject) -> None:
    """Cutting a segment with a sample on its straight line must not move any money."""
    i = data.draw(st.integers(0, len(s.samples) - 2))
    a, b = s.samples[i], s.samples[i + 1]
    span = int((b.at - a.at).total_seconds() // 60)
    if span < 2:
        return
    k = data.draw(st.integers(1, span - 1))
    mid_at = a.at + timedelta(minutes=k)
    mid = EnergySample(mid_at, a.wh + (b.wh - a.wh) * k / span)
    more = (*s.samples[: i + 1], mid, *s.samples[i + 1:])
    split = SessionInput(s.started_at, s.stopped_at, more, s.idle)
    assert price_session(tariff, split).total == price_session(tariff, s).total


@settings(max_examples=100, deadline=None)
@given(tariffs(), sessions())
def test_more_energy_never_costs_less(tariff: Tariff, s: SessionInput) -> None:
    doubled = tuple(EnergySample(x.at, x.wh * 2) for x in s.samples)
    more = SessionInput(s.started_at, s.stopped_at, doubled, s.idle)
    assert price_session(tariff, more).total >= price_session(tariff, s).total


@settings(max_examples=100, deadline=None)
@given(tariffs(), sessions(), st.decimals(min_value=0, max_value=20, places=2),
       st.decimals(min_value=0, max_value=20, places=2))
def test_min_and_max_clamp_through_an_adjustment_line(tariff: Tariff, s: SessionInput,
                                                      a: Decimal, b: Decimal) -> None:
    low, high = min(a, b), max(a, b)
    v = tariff.versions
    clamped = Tariff(tariff.id, tariff.name, tariff.currency, tuple(
        TariffVersion(id=x.id, valid_from=x.valid_from, valid_to=x.valid_to,
                      timezone=x.timezone, base=x.base, bands=x.bands,
                      session_fee=x.session_fee, min_price=low, max_price=high,
                      idle_grace=x.idle_grace, vat_rate=x.vat_rate) for x in v))
    free = price_session(tariff, s)
    b_ = price_session(clamped, s)
    assert low <= b_.net <= high
    assert sum((x.amount for x in b_.lines), D(0)) == min(max(free.subtotal, low), high)
    assert b_.net == rounding.cents(min(max(free.subtotal, low), high))
