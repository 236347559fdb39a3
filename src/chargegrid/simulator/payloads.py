"""Conversion helpers that do not depend on the OCPP version.

1.6 and 2.0.1 name their fields and enums differently, but a charging schedule, a
composite schedule's periods and the choice of meter readings are the same in both. Each
version's `convert.py` keeps its own field names and library datatypes and calls these, so
the two cannot drift apart (they did once: the 2.0.1 copy was made from the 1.6 one).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chargegrid.simulator.clock import parse_iso
from chargegrid.simulator.core import MeterSample, StationCore
from chargegrid.simulator.profiles import ChargingSchedule, Limit, RateUnit, SchedulePeriod
from chargegrid.simulator.smart_charging import CompositeSchedule, TxContext, composite_schedule


def parse_time(value: Any) -> datetime | None:
    """An optional ISO 8601 field; None when absent (or not a string)."""
    return parse_iso(value) if isinstance(value, str) else None


def schedule_from_payload(sched: dict[str, Any],
                          periods: tuple[SchedulePeriod, ...]) -> ChargingSchedule:
    """A chargingSchedule (snake_case) whose periods the caller has already read."""
    return ChargingSchedule(
        RateUnit(sched["charging_rate_unit"]), periods, sched.get("duration"),
        parse_time(sched.get("start_schedule")), sched.get("min_charging_rate"))


def periods_payload(comp: CompositeSchedule) -> list[dict[str, Any]]:
    """A composite schedule's chargingSchedulePeriod list (camelCase, as on the wire)."""
    return [{"startPeriod": p.start_period, "limit": p.limit, "numberPhases": p.number_phases}
            for p in comp.periods]


def station_composite(core: StationCore, connector_id: int, duration: int,
                      unit: RateUnit) -> CompositeSchedule:
    """GetCompositeSchedule for a connector (its hardware limit and transaction) or, for
    connector 0, the whole station (the sum of the connectors' limits, no transaction)."""
    now = core.clock.now().replace(microsecond=0)
    if connector_id:
        conn = core.connectors[connector_id]
        hardware, tx_context = Limit(conn.max_current), core.tx_context(conn)
    else:
        hardware = Limit(sum(c.max_current for c in core.connectors.values()))
        tx_context = TxContext()
    return composite_schedule(core.profiles.profiles, connector_id, now, duration, unit,
                              hardware, tx_context)


@dataclass(frozen=True)
class Reading:
    """One sampled value before it is dressed in a version's datatypes."""

    measurand: str
    value: float
    unit: str
    phase: str | None = None


def readings(sample: MeterSample, measurands: list[str]) -> Iterator[Reading]:
    """The configured measurands of `sample`, in a fixed order; currents per phase L1..L3."""
    if "Energy.Active.Import.Register" in measurands:
        yield Reading("Energy.Active.Import.Register", sample.energy_wh, "Wh")
    if "Current.Import" in measurands:
        for phase, amps in zip(("L1", "L2", "L3"), sample.currents, strict=True):
            yield Reading("Current.Import", amps, "A", phase)
    if "Power.Active.Import" in measurands:
        yield Reading("Power.Active.Import", sample.power_w, "W")
    if "SoC" in measurands and sample.soc is not None:
        yield Reading("SoC", sample.soc * 100, "Percent")
