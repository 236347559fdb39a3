"""Translation between OCPP 1.6 payloads and the simulator's protocol-neutral types.

Incoming payloads arrive as snake_case dicts (the `ocpp` library converts the keys);
outgoing ones are built from the library's `datatypes` so its schema validation applies.
"""

from __future__ import annotations

from typing import Any

from ocpp.v16 import datatypes, enums

from chargegrid.simulator.clock import iso_z
from chargegrid.simulator.core import MeterSample
from chargegrid.simulator.local_auth import TagInfo
from chargegrid.simulator.payloads import (
    parse_time,
    periods_payload,
    readings,
    schedule_from_payload,
)
from chargegrid.simulator.profiles import (
    ChargingProfile,
    Kind,
    Purpose,
    Recurrency,
    SchedulePeriod,
)
from chargegrid.simulator.smart_charging import CompositeSchedule


def profile_from_payload(data: dict[str, Any], connector_id: int) -> ChargingProfile:
    """A 1.6 `csChargingProfiles` (snake_case) installed on `connector_id`."""
    sched = data["charging_schedule"]
    periods = tuple(
        SchedulePeriod(int(p["start_period"]), float(p["limit"]), p.get("number_phases"))
        for p in sched["charging_schedule_period"]
    )
    schedule = schedule_from_payload(sched, periods)
    recurrency = data.get("recurrency_kind")
    return ChargingProfile(
        id=int(data["charging_profile_id"]), stack_level=int(data["stack_level"]),
        purpose=Purpose(data["charging_profile_purpose"]),
        kind=Kind(data["charging_profile_kind"]), schedule=schedule,
        connector_id=connector_id, transaction_id=data.get("transaction_id"),
        recurrency=Recurrency(recurrency) if recurrency else None,
        valid_from=parse_time(data.get("valid_from")), valid_to=parse_time(data.get("valid_to")))


def composite_to_payload(comp: CompositeSchedule) -> dict[str, Any]:
    """GetCompositeSchedule's chargingSchedule (camelCase, as sent on the wire)."""
    return {
        "duration": comp.duration,
        "startSchedule": iso_z(comp.start),
        "chargingRateUnit": comp.rate_unit.value,
        "chargingSchedulePeriod": periods_payload(comp),
    }


def tag_info(data: dict[str, Any] | None) -> TagInfo | None:
    """An idTagInfo (snake_case) as protocol-neutral TagInfo; None when absent."""
    if not data:
        return None
    return TagInfo(str(data["status"]), parse_time(data.get("expiry_date")),
                   data.get("parent_id_tag"))


def meter_value(sample: MeterSample, measurands: list[str],
                context: enums.ReadingContext = enums.ReadingContext.sample_periodic
                ) -> datatypes.MeterValue:
    """One MeterValue with the configured measurands (see `payloads.readings`)."""
    values = [datatypes.SampledValue(
        value=f"{r.value:.0f}" if r.unit == "Wh" else f"{r.value:.1f}",
        context=context, measurand=enums.Measurand(r.measurand),
        phase=enums.Phase(r.phase) if r.phase else None,
        location=enums.Location.outlet, unit=enums.UnitOfMeasure(r.unit))
        for r in readings(sample, measurands)]
    return datatypes.MeterValue(timestamp=iso_z(sample.timestamp), sampled_value=values)
