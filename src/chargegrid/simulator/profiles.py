"""Charging profiles as plain data, and the limit one profile imposes at a given time.

Protocol-neutral: the 1.6 adapter converts its `chargingProfile` payloads into these types
(2.0.1 profiles map onto them too). Stack-level arbitration lives in `smart_charging.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from chargegrid.simulator.vehicle import VOLTAGE


class Purpose(StrEnum):
    CHARGE_POINT_MAX = "ChargePointMaxProfile"
    TX_DEFAULT = "TxDefaultProfile"
    TX = "TxProfile"


class Kind(StrEnum):
    ABSOLUTE = "Absolute"
    RECURRING = "Recurring"
    RELATIVE = "Relative"


class Recurrency(StrEnum):
    DAILY = "Daily"
    WEEKLY = "Weekly"


class RateUnit(StrEnum):
    A = "A"
    W = "W"


DEFAULT_PHASES = 3
"""OCPP 1.6: numberPhases absent means 3."""


@dataclass(frozen=True)
class SchedulePeriod:
    start_period: int
    limit: float
    number_phases: int | None = None
    phase_to_use: int | None = None
    """OCPP 2.0.1: the phase (1–3) a 1-phase period uses; None = L1 (1.6 has no such field)."""


@dataclass(frozen=True)
class ChargingSchedule:
    rate_unit: RateUnit
    periods: tuple[SchedulePeriod, ...]
    duration: int | None = None
    start_schedule: datetime | None = None
    min_charging_rate: float | None = None


@dataclass(frozen=True)
class ChargingProfile:
    """One installed profile; `connector_id` 0 means the whole station."""

    id: int
    stack_level: int
    purpose: Purpose
    kind: Kind
    schedule: ChargingSchedule
    connector_id: int = 0
    transaction_id: int | None = None
    recurrency: Recurrency | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None


@dataclass(frozen=True, order=True)
class Limit:
    """A limit as amps per phase on `phases` phases: the unit the vehicle model understands."""

    amps: float
    phases: int = field(default=DEFAULT_PHASES, compare=False)
    phase_to_use: int | None = field(default=None, compare=False)
    """Which phase a 1-phase limit puts the load on (2.0.1 phaseToUse); None = as wired."""

    @property
    def watts(self) -> float:
        return to_watts(self.amps, self.phases)

    def capped(self, other: Limit | None) -> Limit:
        """The stricter of two limits (fewer phases also wins: a 1-phase cap is physical)."""
        if other is None:
            return self
        phases = min(self.phases, other.phases)
        phase = (self.phase_to_use or other.phase_to_use) if phases == 1 else None
        return Limit(min(self.amps, other.amps), phases, phase)


def to_amps(watts: float, phases: int) -> float:
    """W → A per phase at 230 V: W / (230 × phases)."""
    return watts / (VOLTAGE * phases)


def to_watts(amps: float, phases: int) -> float:
    """A per phase → W at 230 V: A × 230 × phases."""
    return amps * VOLTAGE * phases


def period_limit(schedule: ChargingSchedule, period: SchedulePeriod) -> Limit:
    """A period's limit converted to amps per phase."""
    phases = period.number_phases or DEFAULT_PHASES
    amps = period.limit if schedule.rate_unit is RateUnit.A else to_amps(period.limit, phases)
    return Limit(amps, phases, period.phase_to_use if phases == 1 else None)


def schedule_start(profile: ChargingProfile, now: datetime,
                   tx_start: datetime | None) -> datetime | None:
    """When the profile's schedule (the occurrence covering `now`) started.

    Absolute: startSchedule (validFrom, else `now` if absent). Recurring: the latest daily or
    weekly repetition of startSchedule not after `now`. Relative: the transaction start (or
    `now` when there is no transaction, as for a TxDefaultProfile waiting for one).
    """
    sched = profile.schedule
    if profile.kind is Kind.RELATIVE:
        return tx_start if tx_start is not None else now
    if profile.kind is Kind.ABSOLUTE:
        return sched.start_schedule or profile.valid_from or tx_start or now
    anchor = sched.start_schedule or profile.valid_from
    if anchor is None:
        return None
    step = timedelta(days=7 if profile.recurrency is Recurrency.WEEKLY else 1)
    if anchor > now:
        return anchor - step * ((anchor - now) // step + 1)
    return anchor + step * ((now - anchor) // step)


def is_valid(profile: ChargingProfile, now: datetime) -> bool:
    """validFrom ≤ now < validTo (open ends allowed)."""
    if profile.valid_from is not None and now < profile.valid_from:
        return False
    return not (profile.valid_to is not None and now >= profile.valid_to)


def profile_limit_at(profile: ChargingProfile, now: datetime,
                     tx_start: datetime | None = None) -> Limit | None:
    """The limit this profile sets at `now`, or None when it is not valid or outside its schedule.

    None lets the next lower stack level apply, as OCPP 2.0.1 states explicitly and as
    chargers commonly do under 1.6 too.
    """
    if not is_valid(profile, now):
        return None
    start = schedule_start(profile, now, tx_start)
    if start is None or now < start:
        return None
    offset = (now - start).total_seconds()
    sched = profile.schedule
    if sched.duration is not None and offset >= sched.duration:
        return None
    current: SchedulePeriod | None = None
    for period in sorted(sched.periods, key=lambda p: p.start_period):
        if period.start_period <= offset:
            current = period
    return period_limit(sched, current) if current is not None else None


def breakpoints(profile: ChargingProfile, begin: datetime, end: datetime,
                tx_start: datetime | None) -> set[datetime]:
    """Instants in [begin, end) where this profile's limit may change (for composite schedules)."""
    points: set[datetime] = set()
    for edge in (profile.valid_from, profile.valid_to):
        if edge is not None and begin <= edge < end:
            points.add(edge)
    cursor = begin
    while cursor < end:
        start = schedule_start(profile, cursor, tx_start)
        if start is None:
            break
        offsets = [p.start_period for p in profile.schedule.periods]
        if profile.schedule.duration is not None:
            offsets.append(profile.schedule.duration)
        for offset in offsets:
            instant = start + timedelta(seconds=offset)
            if begin <= instant < end:
                points.add(instant)
        if profile.kind is not Kind.RECURRING:
            break
        step = timedelta(days=7 if profile.recurrency is Recurrency.WEEKLY else 1)
        cursor = start + step
        if cursor < end:
            points.add(cursor)
    return points
