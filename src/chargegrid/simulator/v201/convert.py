"""Translation between OCPP 2.0.1 payloads and the simulator's protocol-neutral types.

Incoming payloads arrive as snake_case dicts (the `ocpp` library converts the keys);
outgoing ones are built from the library's v201 `datatypes` so its schema validation applies.
Each neutral connector is one EVSE with a single connector (evse id = connector id,
connectorId 1).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ocpp.v201 import datatypes, enums

from chargegrid.simulator.clock import iso_z
from chargegrid.simulator.connector import Connector, ConnectorStatus, StopReason
from chargegrid.simulator.core import MeterSample
from chargegrid.simulator.local_auth import TagInfo
from chargegrid.simulator.payloads import (
    Reading,
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

CONNECTOR_ON_EVSE = 1
"""Every simulated EVSE has one connector, numbered 1 within the EVSE."""

_PURPOSES = {
    "ChargingStationMaxProfile": Purpose.CHARGE_POINT_MAX,
    "TxDefaultProfile": Purpose.TX_DEFAULT,
    "TxProfile": Purpose.TX,
}
PURPOSE_NAMES = {purpose: name for name, purpose in _PURPOSES.items()}


class ProfileError(ValueError):
    """A 2.0.1 chargingProfile the simulator cannot accept (the reason is the message)."""


def purpose_of(name: str) -> Purpose:
    try:
        return _PURPOSES[name]
    except KeyError:
        raise ProfileError(f"unsupported chargingProfilePurpose {name}") from None


def profile_from_payload(data: dict[str, Any], evse_id: int,
                         tx_number: Callable[[str], int | None]) -> ChargingProfile:
    """A 2.0.1 `chargingProfile` (snake_case) installed on `evse_id` (0 = station).

    Only the first chargingSchedule is used (AC stations have one). `tx_number` maps a
    2.0.1 transactionId onto the neutral integer the evaluation compares against.
    """
    schedules = data["charging_schedule"]
    if not schedules:
        raise ProfileError("chargingSchedule is empty")
    sched = schedules[0]
    periods = []
    for p in sched["charging_schedule_period"]:
        phases, phase_to_use = p.get("number_phases"), p.get("phase_to_use")
        if phase_to_use is not None and (phases != 1 or not 1 <= int(phase_to_use) <= 3):
            raise ProfileError("phaseToUse needs numberPhases 1 and a phase 1..3")
        periods.append(SchedulePeriod(int(p["start_period"]), float(p["limit"]), phases,
                                      phase_to_use))
    schedule = schedule_from_payload(sched, tuple(periods))
    recurrency = data.get("recurrency_kind")
    tx_uid = data.get("transaction_id")
    tx_id = None
    if tx_uid is not None:
        tx_id = tx_number(str(tx_uid))
        if tx_id is None:
            raise ProfileError(f"no transaction {tx_uid}")
    return ChargingProfile(
        id=int(data["id"]), stack_level=int(data["stack_level"]),
        purpose=purpose_of(data["charging_profile_purpose"]),
        kind=Kind(data["charging_profile_kind"]), schedule=schedule,
        connector_id=evse_id, transaction_id=tx_id,
        recurrency=Recurrency(recurrency) if recurrency else None,
        valid_from=parse_time(data.get("valid_from")), valid_to=parse_time(data.get("valid_to")))


def composite_to_payload(comp: CompositeSchedule) -> dict[str, Any]:
    """GetCompositeSchedule's `schedule` (camelCase, as sent on the wire)."""
    return {
        "evseId": comp.connector_id,
        "duration": comp.duration,
        "scheduleStart": iso_z(comp.start),
        "chargingRateUnit": comp.rate_unit.value,
        "chargingSchedulePeriod": periods_payload(comp),
    }


def tag_info(data: dict[str, Any] | None) -> TagInfo | None:
    """An idTokenInfo (snake_case) as protocol-neutral TagInfo; None when absent."""
    if not data:
        return None
    return TagInfo(str(data["status"]), parse_time(data.get("cache_expiry_date_time")))


def id_token(tag: str) -> datatypes.IdTokenType:
    return datatypes.IdTokenType(id_token=tag, type=enums.IdTokenEnumType.iso14443)


def connector_status(conn: Connector) -> enums.ConnectorStatusEnumType:
    """The 2.0.1 connector status: Occupied whenever a vehicle or a transaction is there."""
    status = conn.status
    if status is ConnectorStatus.FAULTED:
        return enums.ConnectorStatusEnumType.faulted
    if conn.transaction is not None or conn.vehicle is not None:
        return enums.ConnectorStatusEnumType.occupied
    if status is ConnectorStatus.UNAVAILABLE:
        return enums.ConnectorStatusEnumType.unavailable
    if status is ConnectorStatus.RESERVED:
        return enums.ConnectorStatusEnumType.reserved
    return enums.ConnectorStatusEnumType.available


def charging_state(conn: Connector) -> enums.ChargingStateEnumType:
    status = conn.status
    if status is ConnectorStatus.CHARGING:
        return enums.ChargingStateEnumType.charging
    if conn.vehicle is None:
        return enums.ChargingStateEnumType.idle
    if status is ConnectorStatus.SUSPENDED_EV:
        return enums.ChargingStateEnumType.suspended_ev
    if status is ConnectorStatus.SUSPENDED_EVSE:
        return enums.ChargingStateEnumType.suspended_evse
    return enums.ChargingStateEnumType.ev_connected


_STOPPED = {
    StopReason.LOCAL: (enums.ReasonEnumType.local, enums.TriggerReasonEnumType.stop_authorized),
    StopReason.REMOTE: (enums.ReasonEnumType.remote, enums.TriggerReasonEnumType.remote_stop),
    StopReason.EV_DISCONNECTED: (enums.ReasonEnumType.ev_disconnected,
                                 enums.TriggerReasonEnumType.ev_communication_lost),
    StopReason.DEAUTHORIZED: (enums.ReasonEnumType.de_authorized,
                              enums.TriggerReasonEnumType.deauthorized),
    StopReason.SOFT_RESET: (enums.ReasonEnumType.immediate_reset,
                            enums.TriggerReasonEnumType.reset_command),
    StopReason.HARD_RESET: (enums.ReasonEnumType.immediate_reset,
                            enums.TriggerReasonEnumType.reset_command),
    StopReason.UNLOCK_COMMAND: (enums.ReasonEnumType.other,
                                enums.TriggerReasonEnumType.unlock_command),
    StopReason.POWER_LOSS: (enums.ReasonEnumType.power_loss,
                            enums.TriggerReasonEnumType.abnormal_condition),
    StopReason.REBOOT: (enums.ReasonEnumType.reboot, enums.TriggerReasonEnumType.reset_command),
}


def stopped(reason: StopReason | None) -> tuple[enums.ReasonEnumType, enums.TriggerReasonEnumType]:
    """(stoppedReason, triggerReason) of a TransactionEvent Ended."""
    if reason is None:
        return enums.ReasonEnumType.other, enums.TriggerReasonEnumType.abnormal_condition
    return _STOPPED.get(reason, (enums.ReasonEnumType.other,
                                 enums.TriggerReasonEnumType.abnormal_condition))


def meter_value(sample: MeterSample, measurands: list[str],
                context: enums.ReadingContextEnumType
                = enums.ReadingContextEnumType.sample_periodic) -> datatypes.MeterValueType:
    """One meterValue with the configured measurands (see `payloads.readings`); the energy
    register when none is configured, as a meterValue needs at least one sampledValue."""
    found = list(readings(sample, measurands)) \
        or [Reading("Energy.Active.Import.Register", sample.energy_wh, "Wh")]
    values = [datatypes.SampledValueType(
        value=round(r.value) if r.unit == "Wh" else round(r.value, 1), context=context,
        measurand=enums.MeasurandEnumType(r.measurand),
        phase=enums.PhaseEnumType(r.phase) if r.phase else None,
        location=enums.LocationEnumType.outlet,
        unit_of_measure=datatypes.UnitOfMeasureType(unit=r.unit)) for r in found]
    return datatypes.MeterValueType(timestamp=iso_z(sample.timestamp), sampled_value=values)
