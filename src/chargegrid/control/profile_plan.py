"""Which limits to send, and as which charging profiles.

Live limits go out as TxProfiles with a short validity the controller renews: if we lose the
link, the live profile expires and the station falls back on its own to the persistent
TxDefaultProfile (the fallback) that every station gets at boot and on reconnection. A
raise is sent only when it moves by at least a step (or crosses zero, or its profile is
about to expire), so chargers are not flooded; a lowering, however small, is always sent:
the allocation has already given the room it frees to other points, and a point that kept
its higher limit could take it back (a node over its fuse by up to a step per point).
A raise that is not sent is safe: the point keeps its lower limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from chargegrid.domain.commands import ChargingProfile, Purpose, SchedulePeriod

FALLBACK_PROFILE_ID = 9001
LIVE_PROFILE_ID = 9002
FALLBACK_STACK_LEVEL = 0
LIVE_STACK_LEVEL = 5


@dataclass(frozen=True, slots=True)
class PlanOptions:
    step_a: float = 1.0
    # Where a meter reads a raise before the point's samples do (raise_pacing.py): a raise
    # goes this fraction of the way to the allocation per re-measure (below 0.5 so that it
    # never comes back as a lowering; 1 sends raises whole), and may be as small as
    # `paced_step_a`, so that the approach ends within paced_step_a / raise_fraction of the
    # allocation instead of step_a / raise_fraction. A few rounds per change, then quiet.
    raise_fraction: float = 0.45
    paced_step_a: float = 0.3
    validity_s: int = 120
    renew_before_s: int = 45


@dataclass(frozen=True, slots=True)
class SentLimit:
    """What a point was last told, until when that holds, and since when it has had that
    limit (renewals keep it): a sample taken before then shows what the vehicle did with
    the previous one."""

    limit_a: float
    valid_until: datetime
    purpose: Purpose
    changed_at: datetime | None = None


def needs_send(previous: SentLimit | None, limit_a: float, now: datetime,
               options: PlanOptions, *, step_a: float | None = None) -> bool:
    """True when the station must be told: first time, any lowering (as the station rounds
    it), a raise of at least a step (`step_a`, by default the options' own), a zero
    crossing, or renewal due."""
    if previous is None:
        return True
    if (previous.limit_a == 0) != (limit_a == 0):
        return True
    if floor_tenth(limit_a) < floor_tenth(previous.limit_a):
        return True
    step = options.step_a if step_a is None else step_a
    if floor_tenth(limit_a) - floor_tenth(previous.limit_a) >= step - 1e-9:
        return True
    return previous.valid_until - now <= timedelta(seconds=options.renew_before_s)


def floor_tenth(value: float) -> float:
    """OCPP 1.6 limits carry one decimal; rounding down keeps the allocation safe."""
    return math.floor(max(0.0, value) * 10 + 1e-9) / 10


def live_profile(limit_a: float, now: datetime, options: PlanOptions, *,
                 transaction_id: int | None, purpose: Purpose = "TxProfile") -> ChargingProfile:
    """A limit valid from now for `validity_s` seconds; then the fallback applies again."""
    return ChargingProfile(
        profile_id=LIVE_PROFILE_ID, stack_level=LIVE_STACK_LEVEL, purpose=purpose,
        kind="Absolute", unit="A", start_schedule=now, valid_from=now,
        valid_to=now + timedelta(seconds=options.validity_s),
        transaction_id=transaction_id if purpose == "TxProfile" else None,
        periods=(SchedulePeriod(start_s=0, limit=floor_tenth(limit_a)),),
    )


def fallback_profile(limit_a: float) -> ChargingProfile:
    """The persistent fallback: no validity end, lowest stack level, applies to every
    session the station starts while it cannot hear from us."""
    return ChargingProfile(
        profile_id=FALLBACK_PROFILE_ID, stack_level=FALLBACK_STACK_LEVEL,
        purpose="TxDefaultProfile", kind="Relative", unit="A",
        periods=(SchedulePeriod(start_s=0, limit=floor_tenth(limit_a)),),
    )
