"""Request bodies of the station commands, each turning itself into the neutral command
(domain/commands.py), and the result and audit-log shapes.

Everything a station would refuse is refused here first (ranges, required combinations),
so a bad request costs a 422 and no command_log row.
"""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import Field, model_validator

from chargegrid.api.schemas.charging_profiles import ChargingProfileCreate, Purpose, RateUnit
from chargegrid.api.schemas.common import AwareUtcDatetime, ReadModel, UtcDatetime, WriteModel
from chargegrid.domain import commands as cmd

TIMEOUT_MIN_S, TIMEOUT_MAX_S = 1.0, 300.0
IdTag = Field(min_length=1, max_length=20, pattern=r"^[\x21-\x7e]+$",
              description="The id token (OCPP 1.6 CiString20).")
EvseId = Field(ge=0, le=1000, description="EVSE (1.6 connector) id; 0 is the whole station.")
AuthStatus = Literal["Accepted", "Blocked", "Expired", "Invalid"]


class CommandCreate(WriteModel):
    """What every command body shares: an optional timeout for the station's answer."""

    timeout_s: float | None = Field(default=None, ge=TIMEOUT_MIN_S, le=TIMEOUT_MAX_S,
                                    description="Seconds to wait for the answer (1..300).")

    def to_command(self) -> cmd.Command:
        raise NotImplementedError


class RemoteStartCreate(CommandCreate):
    id_tag: str = IdTag
    evse_id: int | None = Field(default=None, ge=1, le=1000)
    charging_profile: ChargingProfileCreate | None = None

    @model_validator(mode="after")
    def _tx_profile(self) -> Self:
        if self.charging_profile and self.charging_profile.purpose != "TxProfile":
            raise ValueError("charging_profile.purpose: must be TxProfile for a remote start")
        return self

    def to_command(self) -> cmd.RemoteStart:
        profile = self.charging_profile.to_profile() if self.charging_profile else None
        return cmd.RemoteStart(self.id_tag, self.evse_id, profile)


class RemoteStopCreate(CommandCreate):
    transaction_id: int

    def to_command(self) -> cmd.RemoteStop:
        return cmd.RemoteStop(self.transaction_id)


class ResetCreate(CommandCreate):
    kind: Literal["Soft", "Hard"] = "Soft"

    def to_command(self) -> cmd.Reset:
        return cmd.Reset(self.kind)


class UnlockCreate(CommandCreate):
    evse_id: int = Field(ge=1, le=1000)
    connector_id: int = Field(default=1, ge=1, le=100)

    def to_command(self) -> cmd.UnlockConnector:
        return cmd.UnlockConnector(self.evse_id, self.connector_id)


class ChangeAvailabilityCreate(CommandCreate):
    operative: bool
    evse_id: int = EvseId

    def to_command(self) -> cmd.ChangeAvailability:
        return cmd.ChangeAvailability(self.operative, self.evse_id)


class GetConfigurationCreate(CommandCreate):
    keys: list[str] = Field(default_factory=list, max_length=100,
                            description="Keys to read; empty reads all.")

    @model_validator(mode="after")
    def _key_lengths(self) -> Self:
        if any(not 1 <= len(k) <= 50 for k in self.keys):
            raise ValueError("keys: each key must be 1..50 characters")
        return self

    def to_command(self) -> cmd.GetConfiguration:
        return cmd.GetConfiguration(tuple(self.keys))


class ChangeConfigurationCreate(CommandCreate):
    key: str = Field(min_length=1, max_length=50)
    value: str = Field(max_length=500)

    def to_command(self) -> cmd.ChangeConfiguration:
        return cmd.ChangeConfiguration(self.key, self.value)


class ClearCacheCreate(CommandCreate):
    def to_command(self) -> cmd.ClearCache:
        return cmd.ClearCache()


class TriggerMessageCreate(CommandCreate):
    message: Literal["BootNotification", "DiagnosticsStatusNotification",
                     "FirmwareStatusNotification", "Heartbeat", "MeterValues",
                     "StatusNotification"]
    evse_id: int | None = Field(default=None, ge=0, le=1000)

    def to_command(self) -> cmd.TriggerMessage:
        return cmd.TriggerMessage(self.message, self.evse_id)


class LocalListEntryCreate(WriteModel):
    id_tag: str = IdTag
    status: AuthStatus | None = Field(default=None, description="Absent: remove (Differential).")
    expiry: AwareUtcDatetime | None = None
    parent_id_tag: str | None = Field(default=None, min_length=1, max_length=20)


class SendLocalListCreate(CommandCreate):
    version: int = Field(ge=1)
    update_type: Literal["Full", "Differential"]
    entries: list[LocalListEntryCreate] = Field(default_factory=list, max_length=10_000)

    @model_validator(mode="after")
    def _entries(self) -> Self:
        tags = [e.id_tag for e in self.entries]
        if len(set(tags)) != len(tags):
            raise ValueError("entries: an id_tag appears twice")
        if self.update_type == "Full" and any(e.status is None for e in self.entries):
            raise ValueError("entries: every entry of a Full update needs a status")
        return self

    def to_command(self) -> cmd.SendLocalList:
        return cmd.SendLocalList(self.version, self.update_type, tuple(
            cmd.LocalListEntry(e.id_tag, e.status, e.expiry, e.parent_id_tag)
            for e in self.entries))


class GetLocalListVersionCreate(CommandCreate):
    def to_command(self) -> cmd.GetLocalListVersion:
        return cmd.GetLocalListVersion()


class ReserveNowCreate(CommandCreate):
    reservation_id: int = Field(ge=0)
    evse_id: int = EvseId
    id_tag: str = IdTag
    expiry: AwareUtcDatetime
    parent_id_tag: str | None = Field(default=None, min_length=1, max_length=20)

    def to_command(self) -> cmd.ReserveNow:
        return cmd.ReserveNow(self.reservation_id, self.evse_id, self.id_tag, self.expiry,
                              self.parent_id_tag)


class CancelReservationCreate(CommandCreate):
    reservation_id: int = Field(ge=0)

    def to_command(self) -> cmd.CancelReservation:
        return cmd.CancelReservation(self.reservation_id)


class SetChargingProfileCreate(CommandCreate):
    evse_id: int = EvseId
    profile: ChargingProfileCreate

    @model_validator(mode="after")
    def _evse_for_purpose(self) -> Self:
        if self.profile.purpose == "ChargePointMaxProfile" and self.evse_id != 0:
            raise ValueError("evse_id: a ChargePointMaxProfile applies to evse_id 0")
        if self.profile.purpose == "TxProfile" and self.evse_id == 0:
            raise ValueError("evse_id: a TxProfile needs the EVSE of the transaction")
        return self

    def to_command(self) -> cmd.SetChargingProfile:
        return cmd.SetChargingProfile(self.evse_id, self.profile.to_profile())


class ClearChargingProfileCreate(CommandCreate):
    profile_id: int | None = Field(default=None, ge=1)
    evse_id: int | None = Field(default=None, ge=0, le=1000)
    purpose: Purpose | None = None
    stack_level: int | None = Field(default=None, ge=0, le=100)

    def to_command(self) -> cmd.ClearChargingProfile:
        return cmd.ClearChargingProfile(self.profile_id, self.evse_id, self.purpose,
                                        self.stack_level)


class GetCompositeScheduleCreate(CommandCreate):
    evse_id: int = EvseId
    duration_s: int = Field(ge=1, le=7 * 86_400)
    unit: RateUnit | None = None

    def to_command(self) -> cmd.GetCompositeSchedule:
        return cmd.GetCompositeSchedule(self.evse_id, self.duration_s, self.unit)


Location = Field(min_length=1, max_length=512, pattern=r"^[a-zA-Z][a-zA-Z0-9+.-]*://\S+$",
                 description="A URI the station can reach (ftp://, https://, ...).")


class UpdateFirmwareCreate(CommandCreate):
    location: str = Location
    retrieve_at: AwareUtcDatetime
    retries: int | None = Field(default=None, ge=0, le=100)
    retry_interval_s: int | None = Field(default=None, ge=0, le=86_400)

    def to_command(self) -> cmd.UpdateFirmware:
        return cmd.UpdateFirmware(self.location, self.retrieve_at, self.retries,
                                  self.retry_interval_s)


class GetDiagnosticsCreate(CommandCreate):
    location: str = Location
    retries: int | None = Field(default=None, ge=0, le=100)
    retry_interval_s: int | None = Field(default=None, ge=0, le=86_400)
    start: AwareUtcDatetime | None = None
    stop: AwareUtcDatetime | None = None

    @model_validator(mode="after")
    def _window(self) -> Self:
        if self.start and self.stop and self.stop < self.start:
            raise ValueError("stop: must not be before start")
        return self

    def to_command(self) -> cmd.GetDiagnostics:
        return cmd.GetDiagnostics(self.location, self.retries, self.retry_interval_s,
                                  self.start, self.stop)


class DataTransferCreate(CommandCreate):
    vendor_id: str = Field(min_length=1, max_length=255)
    message_id: str | None = Field(default=None, min_length=1, max_length=50)
    data: str | None = Field(default=None, max_length=65_536)

    def to_command(self) -> cmd.DataTransfer:
        return cmd.DataTransfer(self.vendor_id, self.message_id, self.data)


class CommandResultRead(ReadModel):
    """The station's answer: its status word (Accepted, Rejected, ...) and the rest."""

    command_id: int = Field(description="The command_log row that records this command.")
    status: str
    data: dict[str, Any]


class CommandRead(ReadModel):
    """One row of a station's command audit log."""

    id: int
    station_id: str
    action: str
    request: dict[str, Any]
    outcome: str
    response: dict[str, Any] | None
    error: str | None
    requested_by: str | None
    requested_at: UtcDatetime
    completed_at: UtcDatetime | None
