"""Commands to stations in version-neutral terms; each OCPP adapter translates them.

Identifiers follow the 2.0.1 shape (EVSE, connector); a 1.6 adapter maps EVSE n to
connector n. Charging limits are in amperes or watts per the `unit` field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

RateUnit = Literal["A", "W"]
Purpose = Literal["ChargePointMaxProfile", "TxDefaultProfile", "TxProfile"]


@dataclass(frozen=True, slots=True)
class SchedulePeriod:
    start_s: int
    limit: float
    number_phases: int | None = None


@dataclass(frozen=True, slots=True)
class ChargingProfile:
    """A charging profile, the shape shared by 1.6 and 2.0.1."""

    profile_id: int
    stack_level: int
    purpose: Purpose
    kind: Literal["Absolute", "Recurring", "Relative"]
    unit: RateUnit
    periods: tuple[SchedulePeriod, ...]
    recurrency: Literal["Daily", "Weekly"] | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    start_schedule: datetime | None = None
    duration_s: int | None = None
    min_rate: float | None = None
    transaction_id: int | None = None


@dataclass(frozen=True, slots=True)
class RemoteStart:
    id_tag: str
    evse_id: int | None = None
    charging_profile: ChargingProfile | None = None


@dataclass(frozen=True, slots=True)
class RemoteStop:
    transaction_id: int


@dataclass(frozen=True, slots=True)
class Reset:
    kind: Literal["Soft", "Hard"] = "Soft"


@dataclass(frozen=True, slots=True)
class UnlockConnector:
    evse_id: int
    connector_id: int = 1


@dataclass(frozen=True, slots=True)
class ChangeAvailability:
    operative: bool
    evse_id: int = 0


@dataclass(frozen=True, slots=True)
class GetConfiguration:
    keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ChangeConfiguration:
    key: str
    value: str


@dataclass(frozen=True, slots=True)
class ClearCache:
    pass


@dataclass(frozen=True, slots=True)
class TriggerMessage:
    message: str
    evse_id: int | None = None


@dataclass(frozen=True, slots=True)
class LocalListEntry:
    id_tag: str
    status: str | None = None
    expiry: datetime | None = None
    parent_id_tag: str | None = None


@dataclass(frozen=True, slots=True)
class SendLocalList:
    version: int
    update_type: Literal["Full", "Differential"]
    entries: tuple[LocalListEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class GetLocalListVersion:
    pass


@dataclass(frozen=True, slots=True)
class ReserveNow:
    reservation_id: int
    evse_id: int
    id_tag: str
    expiry: datetime
    parent_id_tag: str | None = None


@dataclass(frozen=True, slots=True)
class CancelReservation:
    reservation_id: int


@dataclass(frozen=True, slots=True)
class SetChargingProfile:
    evse_id: int
    profile: ChargingProfile


@dataclass(frozen=True, slots=True)
class ClearChargingProfile:
    profile_id: int | None = None
    evse_id: int | None = None
    purpose: Purpose | None = None
    stack_level: int | None = None


@dataclass(frozen=True, slots=True)
class GetCompositeSchedule:
    evse_id: int
    duration_s: int
    unit: RateUnit | None = None


@dataclass(frozen=True, slots=True)
class UpdateFirmware:
    location: str
    retrieve_at: datetime
    retries: int | None = None
    retry_interval_s: int | None = None


@dataclass(frozen=True, slots=True)
class GetDiagnostics:
    location: str
    retries: int | None = None
    retry_interval_s: int | None = None
    start: datetime | None = None
    stop: datetime | None = None


@dataclass(frozen=True, slots=True)
class DataTransfer:
    vendor_id: str
    message_id: str | None = None
    data: str | None = None


# Commands only OCPP 2.0.1 has (the 1.6 adapter refuses them with InvalidInputError).


@dataclass(frozen=True, slots=True)
class PhasedSchedulePeriod(SchedulePeriod):
    """A period limited to one phase of a three-phase EVSE (2.0.1 phaseToUse, which needs
    number_phases 1 and a station that can switch phases)."""

    phase_to_use: int | None = None


@dataclass(frozen=True, slots=True)
class VariableRef:
    """A device-model variable: component (with EVSE/connector) and variable, the 2.0.1 way."""

    component: str
    variable: str
    evse_id: int | None = None
    connector_id: int | None = None
    component_instance: str | None = None
    variable_instance: str | None = None
    attribute_type: Literal["Actual", "Target", "MinSet", "MaxSet"] | None = None


@dataclass(frozen=True, slots=True)
class GetVariables:
    variables: tuple[VariableRef, ...]


@dataclass(frozen=True, slots=True)
class VariableSetting:
    variable: VariableRef
    value: str


@dataclass(frozen=True, slots=True)
class SetVariables:
    settings: tuple[VariableSetting, ...]


@dataclass(frozen=True, slots=True)
class GetBaseReport:
    """Ask for the device model; it arrives later as NotifyReport messages."""

    request_id: int
    report_base: Literal["ConfigurationInventory", "FullInventory", "SummaryInventory"] = (
        "FullInventory")


@dataclass(frozen=True, slots=True)
class GetChargingProfiles:
    """Ask which profiles a station holds; they arrive later as ReportChargingProfiles."""

    request_id: int
    evse_id: int | None = None
    purpose: Purpose | None = None
    stack_level: int | None = None
    profile_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class GetLog:
    location: str
    request_id: int
    log_type: Literal["DiagnosticsLog", "SecurityLog"] = "DiagnosticsLog"
    retries: int | None = None
    retry_interval_s: int | None = None
    start: datetime | None = None
    stop: datetime | None = None


Command = (
    RemoteStart | RemoteStop | Reset | UnlockConnector | ChangeAvailability | GetConfiguration
    | ChangeConfiguration | ClearCache | TriggerMessage | SendLocalList | GetLocalListVersion
    | ReserveNow | CancelReservation | SetChargingProfile | ClearChargingProfile
    | GetCompositeSchedule | UpdateFirmware | GetDiagnostics | DataTransfer
    | GetVariables | SetVariables | GetBaseReport | GetChargingProfiles | GetLog
)


@dataclass(frozen=True, slots=True)
class CommandResult:
    """A station's answer in neutral terms: `status` (Accepted, Rejected, ...) and the rest."""

    status: str
    data: dict[str, Any] = field(default_factory=dict)
