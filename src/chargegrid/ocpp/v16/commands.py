"""Neutral commands into OCPP 1.6 CALLs (the library's dataclasses), answers back into
neutral results. EVSE n is 1.6 connector n."""

from __future__ import annotations

from datetime import datetime
from functools import singledispatch
from typing import Any

from ocpp.v16 import call, datatypes, enums

from chargegrid.domain import commands as cmd
from chargegrid.domain.timestamps import format_timestamp
from chargegrid.errors import InvalidInputError
from chargegrid.ocpp.payloads import as_kwargs, to_payload


def _ts(moment: datetime | None) -> str | None:
    return format_timestamp(moment) if moment is not None else None


def charging_profile(profile: cmd.ChargingProfile) -> datatypes.ChargingProfile:
    """The 1.6 shape of a neutral charging profile (limits to one decimal, as 1.6 requires)."""
    return datatypes.ChargingProfile(
        charging_profile_id=profile.profile_id,
        stack_level=profile.stack_level,
        charging_profile_purpose=enums.ChargingProfilePurposeType(profile.purpose),
        charging_profile_kind=enums.ChargingProfileKindType(profile.kind),
        recurrency_kind=enums.RecurrencyKind(profile.recurrency) if profile.recurrency else None,
        valid_from=_ts(profile.valid_from), valid_to=_ts(profile.valid_to),
        transaction_id=profile.transaction_id,
        charging_schedule=datatypes.ChargingSchedule(
            charging_rate_unit=enums.ChargingRateUnitType(profile.unit),
            duration=profile.duration_s, start_schedule=_ts(profile.start_schedule),
            min_charging_rate=profile.min_rate,
            charging_schedule_period=[
                datatypes.ChargingSchedulePeriod(start_period=p.start_s,
                                                 limit=round(float(p.limit), 1),
                                                 number_phases=p.number_phases)
                for p in profile.periods
            ],
        ),
    )


@singledispatch
def encode(command: Any) -> Any:
    raise InvalidInputError(f"{type(command).__name__} has no OCPP 1.6 equivalent")


@encode.register
def _(c: cmd.RemoteStart) -> call.RemoteStartTransaction:
    return call.RemoteStartTransaction(
        id_tag=c.id_tag, connector_id=c.evse_id,
        charging_profile=charging_profile(c.charging_profile) if c.charging_profile else None)


@encode.register
def _(c: cmd.RemoteStop) -> call.RemoteStopTransaction:
    return call.RemoteStopTransaction(transaction_id=c.transaction_id)


@encode.register
def _(c: cmd.Reset) -> call.Reset:
    return call.Reset(type=enums.ResetType(c.kind))


@encode.register
def _(c: cmd.UnlockConnector) -> call.UnlockConnector:
    return call.UnlockConnector(connector_id=c.evse_id)


@encode.register
def _(c: cmd.ChangeAvailability) -> call.ChangeAvailability:
    kind = enums.AvailabilityType.operative if c.operative else enums.AvailabilityType.inoperative
    return call.ChangeAvailability(connector_id=c.evse_id, type=kind)


@encode.register
def _(c: cmd.GetConfiguration) -> call.GetConfiguration:
    return call.GetConfiguration(key=list(c.keys) or None)


@encode.register
def _(c: cmd.ChangeConfiguration) -> call.ChangeConfiguration:
    if c.key == "AuthorizationKey":
        # The 1.6 security whitepaper sends the Basic-auth password hex-encoded; the
        # neutral command carries it in clear, as 2.0.1's BasicAuthPassword does.
        return call.ChangeConfiguration(key=c.key, value=c.value.encode().hex())
    return call.ChangeConfiguration(key=c.key, value=c.value)


@encode.register
def _(c: cmd.ClearCache) -> call.ClearCache:
    return call.ClearCache()


# The 1.6 TriggerMessage schema's enum; the library's MessageTrigger also holds the security
# whitepaper's values (LogStatusNotification, ...), which belong to ExtendedTriggerMessage.
TRIGGERABLE = frozenset({"BootNotification", "DiagnosticsStatusNotification",
                         "FirmwareStatusNotification", "Heartbeat", "MeterValues",
                         "StatusNotification"})


@encode.register
def _(c: cmd.TriggerMessage) -> call.TriggerMessage:
    if c.message not in TRIGGERABLE:
        raise InvalidInputError(f"message: {c.message!r} cannot be triggered in OCPP 1.6")
    message = enums.MessageTrigger(c.message)
    return call.TriggerMessage(requested_message=message, connector_id=c.evse_id)


@encode.register
def _(c: cmd.SendLocalList) -> call.SendLocalList:
    entries = [
        datatypes.AuthorizationData(
            id_tag=e.id_tag,
            id_tag_info=datatypes.IdTagInfo(
                status=enums.AuthorizationStatus(e.status), expiry_date=_ts(e.expiry),
                parent_id_tag=e.parent_id_tag) if e.status else None)
        for e in c.entries
    ]
    return call.SendLocalList(list_version=c.version, update_type=enums.UpdateType(c.update_type),
                              local_authorization_list=entries)


@encode.register
def _(c: cmd.GetLocalListVersion) -> call.GetLocalListVersion:
    return call.GetLocalListVersion()


@encode.register
def _(c: cmd.ReserveNow) -> call.ReserveNow:
    return call.ReserveNow(connector_id=c.evse_id, expiry_date=format_timestamp(c.expiry),
                           id_tag=c.id_tag, reservation_id=c.reservation_id,
                           parent_id_tag=c.parent_id_tag)


@encode.register
def _(c: cmd.CancelReservation) -> call.CancelReservation:
    return call.CancelReservation(reservation_id=c.reservation_id)


@encode.register
def _(c: cmd.SetChargingProfile) -> call.SetChargingProfile:
    return call.SetChargingProfile(connector_id=c.evse_id,
                                   cs_charging_profiles=charging_profile(c.profile))


@encode.register
def _(c: cmd.ClearChargingProfile) -> call.ClearChargingProfile:
    return call.ClearChargingProfile(
        id=c.profile_id, connector_id=c.evse_id, stack_level=c.stack_level,
        charging_profile_purpose=enums.ChargingProfilePurposeType(c.purpose) if c.purpose else None)


@encode.register
def _(c: cmd.GetCompositeSchedule) -> call.GetCompositeSchedule:
    return call.GetCompositeSchedule(
        connector_id=c.evse_id, duration=c.duration_s,
        charging_rate_unit=enums.ChargingRateUnitType(c.unit) if c.unit else None)


@encode.register
def _(c: cmd.UpdateFirmware) -> call.UpdateFirmware:
    return call.UpdateFirmware(location=c.location, retrieve_date=format_timestamp(c.retrieve_at),
                               retries=c.retries, retry_interval=c.retry_interval_s)


@encode.register
def _(c: cmd.GetDiagnostics) -> call.GetDiagnostics:
    return call.GetDiagnostics(location=c.location, retries=c.retries,
                               retry_interval=c.retry_interval_s, start_time=_ts(c.start),
                               stop_time=_ts(c.stop))


@encode.register
def _(c: cmd.DataTransfer) -> call.DataTransfer:
    return call.DataTransfer(vendor_id=c.vendor_id, message_id=c.message_id, data=c.data)


def to_call(command: cmd.Command) -> tuple[str, dict[str, Any]]:
    """The action name and camelCase payload of the 1.6 CALL for a neutral command."""
    message = encode(command)
    return type(message).__name__, to_payload(message)


def to_result(command: cmd.Command, payload: dict[str, Any]) -> cmd.CommandResult:
    """A 1.6 CALLRESULT payload as a neutral result: the status plus the other fields."""
    data = as_kwargs(payload)
    status = data.pop("status", None)
    if status is None:
        # GetConfiguration, GetLocalListVersion, GetDiagnostics answer without a status.
        status = "Accepted"
    return cmd.CommandResult(status=str(status), data=data)
