"""Smart charging as a real charger applies it (OCPP 1.6 §3.13), over installed profiles.

Per purpose the valid profile of the highest stack level wins (a connector-specific profile
beats a station-wide one at the same level); a TxProfile overrides the TxDefaultProfile for
its transaction; the ChargePointMaxProfile caps the sum of all connectors, shared among them
by water-filling. Pure: time and transaction facts are passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from chargegrid.simulator.profiles import (
    ChargingProfile,
    Limit,
    Purpose,
    RateUnit,
    breakpoints,
    profile_limit_at,
)


@dataclass(frozen=True)
class TxContext:
    """What the evaluation needs to know about a connector's transaction."""

    transaction_id: int | None = None
    start: datetime | None = None


def purpose_limit(profiles: Iterable[ChargingProfile], purpose: Purpose, connector_id: int,
                  now: datetime, tx: TxContext = TxContext()) -> Limit | None:
    """The limit of the highest-stack-level profile of `purpose` that applies at `now`."""
    candidates = [
        p for p in profiles
        if p.purpose is purpose and p.connector_id in (0, connector_id)
        and not (purpose is Purpose.TX and p.transaction_id not in (None, tx.transaction_id))
    ]
    candidates.sort(key=lambda p: (p.stack_level, p.connector_id != 0), reverse=True)
    for profile in candidates:
        limit = profile_limit_at(profile, now, tx.start)
        if limit is not None:
            return limit
    return None


def connector_limit(profiles: Iterable[ChargingProfile], connector_id: int, now: datetime,
                    tx: TxContext = TxContext()) -> Limit | None:
    """TxProfile (only during a transaction) else TxDefaultProfile; None = unrestricted."""
    pool = list(profiles)
    if tx.transaction_id is not None:
        limit = purpose_limit(pool, Purpose.TX, connector_id, now, tx)
        if limit is not None:
            return limit
    return purpose_limit(pool, Purpose.TX_DEFAULT, connector_id, now, tx)


def station_cap(profiles: Iterable[ChargingProfile], now: datetime) -> Limit | None:
    """The ChargePointMaxProfile limit for the whole station (installed on connector 0)."""
    return purpose_limit(profiles, Purpose.CHARGE_POINT_MAX, 0, now)


def share_cap(cap_amps: float, demands: Mapping[int, float]) -> dict[int, float]:
    """Split a per-phase cap among connectors by water-filling: nobody gets more than it asks,
    and what one connector does not use goes to the others."""
    shares = {cid: 0.0 for cid in demands}
    remaining = max(0.0, cap_amps)
    pending = sorted(demands, key=lambda cid: demands[cid])
    while pending:
        fair = remaining / len(pending)
        cid = pending.pop(0)
        shares[cid] = min(demands[cid], fair)
        remaining -= shares[cid]
    return shares


@dataclass(frozen=True)
class CompositePeriod:
    start_period: int
    limit: float
    number_phases: int


@dataclass(frozen=True)
class CompositeSchedule:
    connector_id: int
    start: datetime
    duration: int
    rate_unit: RateUnit
    periods: tuple[CompositePeriod, ...]


def composite_schedule(profiles: Iterable[ChargingProfile], connector_id: int, start: datetime,
                       duration: int, rate_unit: RateUnit, hardware: Limit,
                       tx: TxContext = TxContext()) -> CompositeSchedule:
    """The limit over [start, start+duration) as merged steps, for GetCompositeSchedule.

    Connector 0 reports the station cap; a connector reports min(its own limit, station
    cap, hardware limit). The station cap is not divided here: the composite schedule
    describes what the connector may draw, not a live sharing decision.
    """
    pool = list(profiles)
    end = start + timedelta(seconds=duration)
    instants = {start}
    for profile in pool:
        instants |= breakpoints(profile, start, end, tx.start)
    periods: list[CompositePeriod] = []
    for instant in sorted(instants):
        limit = hardware.capped(station_cap(pool, instant))
        if connector_id != 0:
            limit = limit.capped(connector_limit(pool, connector_id, instant, tx))
        value = round(limit.amps if rate_unit is RateUnit.A else limit.watts, 1)
        offset = int((instant - start).total_seconds())
        if periods and periods[-1].limit == value and periods[-1].number_phases == limit.phases:
            continue
        periods.append(CompositePeriod(offset, value, limit.phases))
    return CompositeSchedule(connector_id, start, duration, rate_unit, tuple(periods))

