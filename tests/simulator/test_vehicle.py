"""Vehicle physics: draw, minimum current, taper and energy integration."""

from __future__ import annotations

import pytest

from chargegrid.simulator.vehicle import Vehicle


@pytest.mark.parametrize(
    ("phases", "offered", "offered_phases", "expected"),
    [
        (3, 32.0, 3, (16.0, 16.0, 16.0)),
        (3, 10.0, 3, (10.0, 10.0, 10.0)),
        (1, 32.0, 3, (16.0, 0.0, 0.0)),
        (2, 32.0, 3, (16.0, 16.0, 0.0)),
        (3, 32.0, 1, (16.0, 0.0, 0.0)),
        (3, 5.9, 3, (0.0, 0.0, 0.0)),
        (3, 6.0, 3, (6.0, 6.0, 6.0)),
    ],
)
def test_draw_is_min_of_vehicle_and_offer(phases: int, offered: float, offered_phases: int,
                                          expected: tuple[float, float, float]) -> None:
    car = Vehicle(phases=phases, max_current=16.0, soc=0.5)
    assert car.draw(offered, offered_phases) == expected


def test_taper_above_80_percent() -> None:
    car = Vehicle(max_current=32.0, min_current=6.0, soc=0.9)
    assert car.acceptable_current() == pytest.approx(19.0)
    assert Vehicle(max_current=32.0, soc=0.8).acceptable_current() == 32.0


def test_full_vehicle_draws_nothing() -> None:
    car = Vehicle(soc=1.0)
    assert car.full
    assert car.draw(32.0) == (0.0, 0.0, 0.0)


def test_energy_integrates_and_stops_at_full() -> None:
    car = Vehicle(capacity_kwh=20.0, soc=0.5)
    taken = car.charge((10.0, 10.0, 10.0), 3600.0)
    assert taken == pytest.approx(6900.0)
    assert car.soc == pytest.approx(0.5 + 6.9 / 20)
    assert car.charge((10.0, 10.0, 10.0), 3600.0) == pytest.approx(10000.0 - 6900.0)
    assert car.full


def test_invalid_vehicle_is_refused() -> None:
    with pytest.raises(ValueError):
        Vehicle(phases=4)
    with pytest.raises(ValueError):
        Vehicle(soc=1.5)
