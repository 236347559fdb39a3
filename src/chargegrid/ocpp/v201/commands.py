"""Neutral commands into OCPP 2.0.1 CALLs (the library's dataclasses), answers back into
neutral results.

2.0.1 messages name a transaction by the station's own id (a string), while the neutral
commands carry ours (an int): the encoder is bound per connection to a lookup of the
station's running transactions (`CommandEncoder`). 1.6 configuration keys map onto
device-model variables where the meaning is the same (`CONFIGURATION_KEYS`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import singledispatch
from typing import Any

from ocpp.v201 import call, datatypes, enums

from chargegrid.domain import commands as cmd
from chargegrid.domain.timestamps import format_timestamp
from chargegrid.errors import InvalidInputError
from chargegrid.ocpp.payloads import as_kwargs, to_payload

UidLookup = Callable[[int], str | None]

# 1.6 configuration keys → 2.0.1 (component, variable), for GetConfiguration and
# ChangeConfiguration sent to a 2.0.1 station (OCPP 2.0.1 Part 2 appendix, "migration").
CONFIGURATION_KEYS: dict[str, tuple[str, str]] = {
    "HeartbeatInterval": ("OCPPCommCtrlr", "HeartbeatInterval"),
    "MeterValueSampleInterval": ("SampledDataCtrlr", "TxUpdatedInterval"),
    "MeterValuesSampledData": ("SampledDataCtrlr", "TxUpdatedMeasurands"),
    "StopTxnSampledData": ("SampledDataCtrlr", "TxEndedMeasurands"),
    "ClockAlignedDataInterval": ("AlignedDataCtrlr", "Interval"),
    "MeterValuesAlignedData": ("AlignedDataCtrlr", "Measurands"),
    "ConnectionTimeOut": ("TxCtrlr", "EVConnectionTimeOut"),
    "StopTransactionOnEVSideDisconnect": ("TxCtrlr", "StopTxOnEVSideDisconnect"),
    "StopTransactionOnInvalidId": ("TxCtrlr", "StopTxOnInvalidId"),
    "LocalAuthorizeOffline": ("AuthCtrlr", "LocalAuthorizeOffline"),
    "LocalPreAuthorize": ("AuthCtrlr", "LocalPreAuthorize"),
    "AuthorizationCacheEnabled": ("AuthCacheCtrlr", "Enabled"),
    "LocalAuthListEnabled": ("LocalAuthListCtrlr", "Enabled"),
    "LocalAuthListMaxLength": ("LocalAuthListCtrlr", "Entries"),
    "ResetRetries": ("OCPPCommCtrlr", "ResetRetries"),
    "TransactionMessageAttempts": ("OCPPCommCtrlr", "MessageAttempts"),
    "TransactionMessageRetryInterval": ("OCPPCommCtrlr", "MessageAttemptInterval"),
    "WebSocketPingInterval": ("OCPPCommCtrlr", "WebSocketPingInterval"),
    "ChargeProfileMaxStackLevel": ("SmartChargingCtrlr", "ProfileStackLevel"),
    "ChargingScheduleAllowedChargingRateUnit": ("SmartChargingCtrlr", "RateUnit"),
    "ChargingScheduleMaxPeriods": ("SmartChargingCtrlr", "PeriodsPerSchedule"),
    "MaxChargingProfilesInstalled": ("SmartChargingCtrlr", "Entries"),
    "SecurityProfile": ("SecurityCtrlr", "SecurityProfile"),
    "AuthorizationKey": ("SecurityCtrlr", "BasicAuthPassword"),
}
PURPOSES = {"ChargePointMaxProfile": "ChargingStationMaxProfile",
            "TxDefaultProfile": "TxDefaultProfile", "TxProfile": "TxProfile"}
TRIGGERS = {"DiagnosticsStatusNotification": "LogStatusNotification"}
TOKEN_TYPE = enums.IdTokenEnumType.iso14443


def _ts(moment: datetime | None) -> str | None:
    return format_timestamp(moment) if moment is not None else None


def new_request_id() -> int:
    """A positive 31-bit id for requestId/remoteStartId (unique enough to match replies)."""
    return secrets.randbelow(2**31 - 2) + 1


def variable_of_key(key: str) -> cmd.VariableRef:
    """A 1.6 key, or "Component.Variable", as a device-model variable."""
    if key in CONFIGURATION_KEYS:
        component, variable = CONFIGURATION_KEYS[key]
        return cmd.VariableRef(component, variable)
    component, dot, variable = key.partition(".")
    if not dot or not component or not variable:
        raise InvalidInputError(
            f"key: {key!r} has no OCPP 2.0.1 equivalent; name it as Component.Variable")
    return cmd.VariableRef(component, variable)


def key_of(component: str, variable: str) -> str:
    for key, (c, v) in CONFIGURATION_KEYS.items():
        if (c, v) == (component, variable):
            return key
    return f"{component}.{variable}"


def _component(ref: cmd.VariableRef) -> datatypes.ComponentType:
    evse = None
    if ref.evse_id is not None:
        evse = datatypes.EVSEType(id=ref.evse_id, connector_id=ref.connector_id)
    return datatypes.ComponentType(name=ref.component, instance=ref.component_instance,
                                   evse=evse)


def _variable(ref: cmd.VariableRef) -> datatypes.VariableType:
    return datatypes.VariableType(name=ref.variable, instance=ref.variable_instance)


def _attribute(ref: cmd.VariableRef) -> enums.AttributeEnumType | None:
    return enums.AttributeEnumType(ref.attribute_type) if ref.attribute_type else None


def _token(value: str) -> datatypes.IdTokenType:
    return datatypes.IdTokenType(id_token=value, type=TOKEN_TYPE)


class CommandEncoder:
    """Encodes neutral commands for one 2.0.1 connection; `uid_of` turns our transaction id
    into the station's (None: not a running transaction of this station)."""

    def __init__(self, uid_of: UidLookup) -> None:
        self._uid_of = uid_of

    def __call__(self, command: cmd.Command) -> tuple[str, dict[str, Any]]:
        """The action name and camelCase payload of the 2.0.1 CALL for a neutral command."""
        message = encode(command, self)
        return type(message).__name__, to_payload(message)

    def transaction_uid(self, transaction_id: int) -> str:
        uid = self._uid_of(transaction_id)
        if uid is None:
            raise InvalidInputError(
                f"transaction_id: {transaction_id} is not a running transaction of this station")
        return uid

    def charging_profile(self, profile: cmd.ChargingProfile, *,
                         in_start: bool = False) -> datatypes.ChargingProfileType:
        """The 2.0.1 shape of a neutral profile; a TxProfile names the station's transaction
        (except inside RequestStartTransaction, where the transaction does not exist yet)."""
        tx_uid = None
        if profile.transaction_id is not None and not in_start:
            tx_uid = self.transaction_uid(profile.transaction_id)
        elif profile.purpose == "TxProfile" and not in_start:
            raise InvalidInputError("profile.transaction_id: a 2.0.1 TxProfile needs one")
        periods = []
        for p in profile.periods:
            phase = getattr(p, "phase_to_use", None)
            if phase is not None and p.number_phases != 1:
                raise InvalidInputError("phase_to_use: only with number_phases 1")
            periods.append(datatypes.ChargingSchedulePeriodType(
                start_period=p.start_s, limit=round(float(p.limit), 1),
                number_phases=p.number_phases, phase_to_use=phase))
        return datatypes.ChargingProfileType(
            id=profile.profile_id, stack_level=profile.stack_level,
            charging_profile_purpose=enums.ChargingProfilePurposeEnumType(
                PURPOSES[profile.purpose]),
            charging_profile_kind=enums.ChargingProfileKindEnumType(profile.kind),
            recurrency_kind=(enums.RecurrencyKindEnumType(profile.recurrency)
                             if profile.recurrency else None),
            valid_from=_ts(profile.valid_from), valid_to=_ts(profile.valid_to),
            transaction_id=tx_uid,
            charging_schedule=[datatypes.ChargingScheduleType(
                id=profile.profile_id,
                charging_rate_unit=enums.ChargingRateUnitEnumType(profile.unit),
                duration=profile.duration_s, start_schedule=_ts(profile.start_schedule),
                min_charging_rate=profile.min_rate, charging_schedule_period=periods)],
        )


def unbound_encoder() -> CommandEncoder:
    """An encoder that knows no transactions (commands naming one are refused)."""
    return CommandEncoder(lambda _tx: None)


def to_call(command: cmd.Command) -> tuple[str, dict[str, Any]]:
    """Encode without a connection (the adapter's default; see CommandEncoder)."""
    return unbound_encoder()(command)


@singledispatch
def encode(command: Any, enc: CommandEncoder) -> Any:
    raise InvalidInputError(f"{type(command).__name__} has no OCPP 2.0.1 equivalent")


@encode.register
def _(c: cmd.RemoteStart, enc: CommandEncoder) -> call.RequestStartTransaction:
    return call.RequestStartTransaction(
        id_token=_token(c.id_tag), remote_start_id=new_request_id(), evse_id=c.evse_id,
        charging_profile=(enc.charging_profile(c.charging_profile, in_start=True)
                          if c.charging_profile else None))


@encode.register
def _(c: cmd.RemoteStop, enc: CommandEncoder) -> call.RequestStopTransaction:
    return call.RequestStopTransaction(transaction_id=enc.transaction_uid(c.transaction_id))


@encode.register
def _(c: cmd.Reset, enc: CommandEncoder) -> call.Reset:
    kind = enums.ResetEnumType.on_idle if c.kind == "Soft" else enums.ResetEnumType.immediate
    return call.Reset(type=kind)


@encode.register
def _(c: cmd.UnlockConnector, enc: CommandEncoder) -> call.UnlockConnector:
    return call.UnlockConnector(evse_id=c.evse_id, connector_id=c.connector_id)


@encode.register
def _(c: cmd.ChangeAvailability, enc: CommandEncoder) -> call.ChangeAvailability:
    status = (enums.OperationalStatusEnumType.operative if c.operative
              else enums.OperationalStatusEnumType.inoperative)
    evse = datatypes.EVSEType(id=c.evse_id) if c.evse_id else None
    return call.ChangeAvailability(operational_status=status, evse=evse)


@encode.register
def _(c: cmd.GetConfiguration, enc: CommandEncoder) -> call.GetVariables:
    keys = c.keys or tuple(k for k in CONFIGURATION_KEYS if k != "AuthorizationKey")
    refs = [variable_of_key(k) for k in keys]
    return call.GetVariables(get_variable_data=[
        datatypes.GetVariableDataType(component=_component(r), variable=_variable(r))
        for r in refs])


@encode.register
def _(c: cmd.ChangeConfiguration, enc: CommandEncoder) -> call.SetVariables:
    ref = variable_of_key(c.key)
    return call.SetVariables(set_variable_data=[datatypes.SetVariableDataType(
        attribute_value=c.value, component=_component(ref), variable=_variable(ref))])


@encode.register
def _(c: cmd.GetVariables, enc: CommandEncoder) -> call.GetVariables:
    if not c.variables:
        raise InvalidInputError("variables: name at least one")
    return call.GetVariables(get_variable_data=[
        datatypes.GetVariableDataType(component=_component(r), variable=_variable(r),
                                      attribute_type=_attribute(r)) for r in c.variables])


@encode.register
def _(c: cmd.SetVariables, enc: CommandEncoder) -> call.SetVariables:
    if not c.settings:
        raise InvalidInputError("settings: name at least one")
    return call.SetVariables(set_variable_data=[
        datatypes.SetVariableDataType(attribute_value=s.value, component=_component(s.variable),
                                      variable=_variable(s.variable),
                                      attribute_type=_attribute(s.variable))
        for s in c.settings])


@encode.register
def _(c: cmd.GetBaseReport, enc: CommandEncoder) -> call.GetBaseReport:
    return call.GetBaseReport(request_id=c.request_id,
                              report_base=enums.ReportBaseEnumType(c.report_base))


@encode.register
def _(c: cmd.ClearCache, enc: CommandEncoder) -> call.ClearCache:
    return call.ClearCache()


@encode.register
def _(c: cmd.TriggerMessage, enc: CommandEncoder) -> call.TriggerMessage:
    name = TRIGGERS.get(c.message, c.message)
    try:
        message = enums.MessageTriggerEnumType(name)
    except ValueError as err:
        raise InvalidInputError(f"message: {c.message!r} cannot be triggered in OCPP 2.0.1"
                                ) from err
    evse = None
    if c.evse_id:
        # A triggered StatusNotification is per connector (F06.FR.12).
        connector = 1 if message == enums.MessageTriggerEnumType.status_notification else None
        evse = datatypes.EVSEType(id=c.evse_id, connector_id=connector)
    return call.TriggerMessage(requested_message=message, evse=evse)


@encode.register
def _(c: cmd.SendLocalList, enc: CommandEncoder) -> call.SendLocalList:
    entries = [
        datatypes.AuthorizationData(
            id_token=_token(e.id_tag),
            id_token_info=datatypes.IdTokenInfoType(
                status=enums.AuthorizationStatusEnumType(e.status),
                cache_expiry_date_time=_ts(e.expiry),
                group_id_token=_token(e.parent_id_tag) if e.parent_id_tag else None,
            ) if e.status else None)
        for e in c.entries
    ]
    return call.SendLocalList(version_number=c.version,
                              update_type=enums.UpdateEnumType(c.update_type),
                              local_authorization_list=entries or None)


@encode.register
def _(c: cmd.GetLocalListVersion, enc: CommandEncoder) -> call.GetLocalListVersion:
    return call.GetLocalListVersion()


@encode.register
def _(c: cmd.ReserveNow, enc: CommandEncoder) -> call.ReserveNow:
    return call.ReserveNow(
        id=c.reservation_id, expiry_date_time=format_timestamp(c.expiry),
        id_token=_token(c.id_tag), evse_id=c.evse_id or None,
        group_id_token=_token(c.parent_id_tag) if c.parent_id_tag else None)


@encode.register
def _(c: cmd.CancelReservation, enc: CommandEncoder) -> call.CancelReservation:
    return call.CancelReservation(reservation_id=c.reservation_id)


@encode.register
def _(c: cmd.SetChargingProfile, enc: CommandEncoder) -> call.SetChargingProfile:
    return call.SetChargingProfile(evse_id=c.evse_id,
                                   charging_profile=enc.charging_profile(c.profile))


@encode.register
def _(c: cmd.ClearChargingProfile, enc: CommandEncoder) -> call.ClearChargingProfile:
    criteria = None
    if c.evse_id is not None or c.purpose is not None or c.stack_level is not None:
        criteria = datatypes.ClearChargingProfileType(
            evse_id=c.evse_id, stack_level=c.stack_level,
            charging_profile_purpose=(enums.ChargingProfilePurposeEnumType(PURPOSES[c.purpose])
                                      if c.purpose else None))
    return call.ClearChargingProfile(charging_profile_id=c.profile_id,
                                     charging_profile_criteria=criteria)


@encode.register
def _(c: cmd.GetChargingProfiles, enc: CommandEncoder) -> call.GetChargingProfiles:
    criterion = datatypes.ChargingProfileCriterionType(
        charging_profile_purpose=(enums.ChargingProfilePurposeEnumType(PURPOSES[c.purpose])
                                  if c.purpose else None),
        stack_level=c.stack_level, charging_profile_id=list(c.profile_ids) or None)
    return call.GetChargingProfiles(request_id=c.request_id, charging_profile=criterion,
                                    evse_id=c.evse_id)


@encode.register
def _(c: cmd.GetCompositeSchedule, enc: CommandEncoder) -> call.GetCompositeSchedule:
    return call.GetCompositeSchedule(
        duration=c.duration_s, evse_id=c.evse_id,
        charging_rate_unit=enums.ChargingRateUnitEnumType(c.unit) if c.unit else None)


@encode.register
def _(c: cmd.UpdateFirmware, enc: CommandEncoder) -> call.UpdateFirmware:
    return call.UpdateFirmware(
        request_id=new_request_id(), retries=c.retries, retry_interval=c.retry_interval_s,
        firmware=datatypes.FirmwareType(location=c.location,
                                        retrieve_date_time=format_timestamp(c.retrieve_at)))


def _get_log(location: str, request_id: int, log_type: str, retries: int | None,
             interval: int | None, start: datetime | None, stop: datetime | None
             ) -> call.GetLog:
    return call.GetLog(
        log=datatypes.LogParametersType(remote_location=location, oldest_timestamp=_ts(start),
                                        latest_timestamp=_ts(stop)),
        log_type=enums.LogEnumType(log_type), request_id=request_id, retries=retries,
        retry_interval=interval)


@encode.register
def _(c: cmd.GetDiagnostics, enc: CommandEncoder) -> call.GetLog:
    return _get_log(c.location, new_request_id(), "DiagnosticsLog", c.retries,
                    c.retry_interval_s, c.start, c.stop)


@encode.register
def _(c: cmd.GetLog, enc: CommandEncoder) -> call.GetLog:
    return _get_log(c.location, c.request_id, c.log_type, c.retries, c.retry_interval_s,
                    c.start, c.stop)


@encode.register
def _(c: cmd.DataTransfer, enc: CommandEncoder) -> call.DataTransfer:
    return call.DataTransfer(vendor_id=c.vendor_id, message_id=c.message_id, data=c.data)


def to_result(command: cmd.Command, payload: dict[str, Any]) -> cmd.CommandResult:
    """A 2.0.1 CALLRESULT payload as a neutral result, shaped like the 1.6 answer to the same
    neutral command where there is one (GetConfiguration, ChangeConfiguration,
    GetLocalListVersion, GetDiagnostics)."""
    if isinstance(command, cmd.GetConfiguration):
        return _configuration_result(payload)
    if isinstance(command, (cmd.ChangeConfiguration, cmd.SetVariables)):
        results = payload.get("setVariableResult") or []
        statuses = {str(r.get("attributeStatus")) for r in results}
        status = "Accepted" if statuses <= {"Accepted"} else (
            "RebootRequired" if statuses <= {"Accepted", "RebootRequired"} else (
                str(results[0].get("attributeStatus")) if len(results) == 1 else "Rejected"))
        return cmd.CommandResult(status=status, data=as_kwargs(payload))
    data = as_kwargs(payload)
    status = data.pop("status", None)
    if isinstance(command, cmd.GetLocalListVersion):
        data = {"list_version": data.get("version_number")}
    elif isinstance(command, cmd.GetDiagnostics) and "filename" in data:
        data["file_name"] = data["filename"]
    return cmd.CommandResult(status=str(status or "Accepted"), data=data)


def _configuration_result(payload: dict[str, Any]) -> cmd.CommandResult:
    known: list[dict[str, Any]] = []
    unknown: list[str] = []
    for r in payload.get("getVariableResult") or []:
        key = key_of(r["component"]["name"], r["variable"]["name"])
        if r.get("attributeStatus") == "Accepted":
            known.append({"key": key, "value": r.get("attributeValue"), "readonly": False})
        else:
            unknown.append(key)
    return cmd.CommandResult(status="Accepted",
                             data={"configuration_key": known, "unknown_key": unknown})


def uid_lookup(uids: Mapping[int, str]) -> UidLookup:
    return uids.get
