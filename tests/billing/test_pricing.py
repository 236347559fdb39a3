"""The pricing engine against hand-computed sessions (bands, version change, idle, DST)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest

from chargegrid.billing.pricing import (
    EnergySample,
    Interval,
    PriceBreakdown,
    SessionInput,
    idle_from_samples,
    price_session,
)
from chargegrid.billing.tariff import Band, Prices, Tariff, TariffVersion
from chargegrid.errors import InvalidInputError

D = Decimal
PARIS = "Europe/Paris"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def peak(energy: str, per_hour: str = "0") -> Band:
    return Band("peak", time(7), time(22), Prices(D(energy), D(per_hour)))


def two_versions() -> Tariff:
    """v1 until 2026-10-15 21:00Z (23:00 Paris), then v2; peak 07:00-22:00 Paris."""
    v1 = TariffVersion(id=1, valid_from=utc(2026, 1, 1), valid_to=utc(2026, 10, 15, 21),
                       timezone=PARIS, base=Prices(D("0.20"), D("0.50")),
                       bands=(peak("0.30", "1.00"),), session_fee=D("0.50"),
                       vat_rate=D("0.20"))
    v2 = TariffVersion(id=2, valid_from=utc(2026, 10, 15, 21), timezone=PARIS,
                       base=Prices(D("0.25"), D("0.60")), bands=(peak("0.40", "1.20"),),
                       session_fee=D("0.70"), vat_rate=D("0.20"))
    return Tariff(id=7, name="staff", currency="EUR", versions=(v1, v2))


def samples(*pairs: tuple[datetime, int]) -> tuple[EnergySample, ...]:
    return tuple(EnergySample(at, D(wh)) for at, wh in pairs)


def lines_by(b: PriceBreakdown) -> dict[tuple[str, int | None, str | None], tuple[str, str]]:
    return {(x.kind, x.version_id, x.band): (str(x.quantity), str(x.amount)) for x in b.lines}


def test_peak_offpeak_boundary_and_version_change_hand_computed() -> None:
    # 21:30-23:30 Paris (CEST) on 2026-10-15: peak ends 22:00 (20:00Z), v2 from 21:00Z.
    # The 19:30Z-20:10Z samples straddle the band boundary: 8000 Wh over 40 min splits
    # 6000 / 2000 by time; 20:40Z-21:30Z straddles the version change: 5000 Wh → 2000 / 3000.
    s = SessionInput(utc(2026, 10, 15, 19, 30), utc(2026, 10, 15, 21, 30), samples(
        (utc(2026, 10, 15, 19, 30), 1000), (utc(2026, 10, 15, 20, 10), 9000),
        (utc(2026, 10, 15, 20, 40), 15000), (utc(2026, 10, 15, 21, 30), 20000)))
    b = price_session(two_versions(), s)
    assert lines_by(b) == {
        ("energy", 1, "peak"): ("6.0000", "1.8000"),       # 6 kWh × 0.30
        ("energy", 1, "base"): ("10.0000", "2.0000"),      # 2+6+2 kWh × 0.20
        ("energy", 2, "base"): ("3.0000", "0.7500"),       # 3 kWh × 0.25
        ("charging_time", 1, "peak"): ("0.5000", "0.5000"),  # 0.5 h × 1.00
        ("charging_time", 1, "base"): ("1.0000", "0.5000"),  # 1 h × 0.50
        ("charging_time", 2, "base"): ("0.5000", "0.3000"),  # 0.5 h × 0.60
        ("session_fee", 1, None): ("1", "0.5000"),         # fee of the version at start
    }
    assert b.subtotal == D("6.35")
    assert (b.net, b.vat, b.total) == (D("6.35"), D("1.27"), D("7.62"))
    assert b.energy_kwh == D("19.0000")
    assert b.version_ids == (1, 2)
    assert PriceBreakdown.from_json(b.to_json()) == b


def test_idle_after_grace_is_billed_per_band() -> None:
    v = TariffVersion(id=1, valid_from=utc(2026, 1, 1), timezone="UTC",
                      base=Prices(D("0.30"), D(0), D("6.00")), idle_grace=timedelta(minutes=15))
    t = Tariff(1, "t", "EUR", (v,))
    # 1 h charging 7 kWh, then 45 min with no energy: 15 min grace, 30 min billed at 6 €/h.
    smp = samples((utc(2026, 3, 2, 8), 0), (utc(2026, 3, 2, 9), 7000),
                  (utc(2026, 3, 2, 9, 45), 7000))
    idle = idle_from_samples(smp)
    assert idle == (Interval(utc(2026, 3, 2, 9), utc(2026, 3, 2, 9, 45)),)
    b = price_session(t, SessionInput(utc(2026, 3, 2, 8), utc(2026, 3, 2, 9, 45), smp, idle))
    assert lines_by(b) == {("energy", 1, "base"): ("7.0000", "2.1000"),
                           ("idle_time", 1, "base"): ("0.5000", "3.0000")}
    assert b.idle_hours == D("0.5000")
    assert b.total == D("5.10")


def test_minimum_and_maximum_price_adjust_through_a_line() -> None:
    base = dict(valid_from=utc(2026, 1, 1), timezone="UTC", base=Prices(D("0.30")))
    smp = samples((utc(2026, 3, 2, 8), 0), (utc(2026, 3, 2, 9), 1000))
    s = SessionInput(utc(2026, 3, 2, 8), utc(2026, 3, 2, 9), smp)
    low = price_session(Tariff(1, "t", "EUR", (TariffVersion(
        id=1, min_price=D("1.00"), **base),)), s)  # type: ignore[arg-type]
    assert low.subtotal == D("0.3000") and low.net == D("1.00")
    assert low.lines[-1].kind == "minimum_price" and low.lines[-1].amount == D("0.7000")
    high = price_session(Tariff(1, "t", "EUR", (TariffVersion(
        id=1, max_price=D("0.25"), **base),)), s)  # type: ignore[arg-type]
    assert high.net == D("0.25") and high.lines[-1].amount == D("-0.0500")


def test_spring_forward_band_in_a_missing_hour() -> None:
    # 2026-03-29 Paris: 02:00 CET jumps to 03:00 CEST at 01:00Z. Band 02:30-03:30 local only
    # exists as 03:00-03:30 CEST = 01:00Z-01:30Z. 6 kW constant for 2 h from 00:00Z.
    v = TariffVersion(id=1, valid_from=utc(2026, 1, 1), timezone=PARIS, base=Prices(D("0.20")),
                      bands=(Band("night", time(2, 30), time(3, 30), Prices(D("0.10"))),))
    s = SessionInput(utc(2026, 3, 29, 0), utc(2026, 3, 29, 2),
                     samples((utc(2026, 3, 29, 0), 0), (utc(2026, 3, 29, 2), 12000)))
    b = price_session(Tariff(1, "t", "EUR", (v,)), s)
    assert lines_by(b) == {("energy", 1, "base"): ("9.0000", "1.8000"),
                           ("energy", 1, "night"): ("3.0000", "0.3000")}


def test_fall_back_band_happens_twice() -> None:
    # 2026-10-25 Paris: 03:00 CEST falls back to 02:00 CET at 01:00Z; 02:00-03:00 local is
    # lived twice (00:00Z-02:00Z). 4 kW for 4 h from 23:00Z.
    v = TariffVersion(id=1, valid_from=utc(2026, 1, 1), timezone=PARIS, base=Prices(D("0.20")),
                      bands=(Band("night", time(2), time(3), Prices(D("0.10"))),))
    s = SessionInput(utc(2026, 10, 24, 23), utc(2026, 10, 25, 3),
                     samples((utc(2026, 10, 24, 23), 0), (utc(2026, 10, 25, 3), 16000)))
    b = price_session(Tariff(1, "t", "EUR", (v,)), s)
    assert lines_by(b) == {("energy", 1, "base"): ("8.0000", "1.6000"),
                           ("energy", 1, "night"): ("8.0000", "0.8000")}


def test_weekday_bands_and_midnight_wrap() -> None:
    # Weekend band Sat+Sun all day; weeknight band 22:00-06:00 Mon-Fri (UTC zone).
    v = TariffVersion(id=1, valid_from=utc(2026, 1, 1), timezone="UTC", base=Prices(D("0.30")),
                      bands=(Band("weekend", time(0), time(0), Prices(D("0.15")),
                                  frozenset({5, 6})),
                             Band("night", time(22), time(6), Prices(D("0.20")),
                                  frozenset(range(5)))))
    # Fri 2026-03-06 20:00Z → Sat 02:00Z, 1 kWh per hour: 2 h base, 2 h night, 2 h weekend.
    s = SessionInput(utc(2026, 3, 6, 20), utc(2026, 3, 7, 2),
                     samples((utc(2026, 3, 6, 20), 0), (utc(2026, 3, 7, 2), 6000)))
    b = price_session(Tariff(1, "t", "EUR", (v,)), s)
    assert lines_by(b) == {("energy", 1, "base"): ("2.0000", "0.6000"),
                           ("energy", 1, "night"): ("2.0000", "0.4000"),
                           ("energy", 1, "weekend"): ("2.0000", "0.3000")}


def test_bad_inputs_are_refused_with_a_named_problem() -> None:
    t = two_versions()
    with pytest.raises(InvalidInputError, match="register falls"):
        price_session(t, SessionInput(utc(2026, 3, 2, 8), utc(2026, 3, 2, 9), samples(
            (utc(2026, 3, 2, 8), 500), (utc(2026, 3, 2, 9), 100))))
    with pytest.raises(InvalidInputError, match="no version valid"):
        price_session(t, SessionInput(utc(2025, 3, 2, 8), utc(2025, 3, 2, 9), ()))
    with pytest.raises(InvalidInputError, match="before started_at"):
        price_session(t, SessionInput(utc(2026, 3, 2, 9), utc(2026, 3, 2, 8), ()))
    with pytest.raises(InvalidInputError, match="overlaps"):
        Tariff(1, "t", "EUR", (t.versions[0], TariffVersion(
            id=3, valid_from=utc(2026, 6, 1), timezone=PARIS, base=Prices())))
    with pytest.raises(InvalidInputError, match="timezone"):
        TariffVersion(id=1, valid_from=utc(2026, 1, 1), timezone="Mars/Olympus",
                      base=Prices())
    with pytest.raises(InvalidInputError, match="energy_per_kwh"):
        Prices(D("-1"))
