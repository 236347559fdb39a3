"""Commands to stations: one POST per command, each through the one command path
(runtime.commands: audit row first, then the call with its timeout, then the outcome).

A station that is not connected answers 409 at once, no answer in time 504, a CALLERROR
502; a reply (Accepted, Rejected, ...) is 200 with the station's status word.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from chargegrid.api.deps import Access, DbSession, RuntimeDep, require
from chargegrid.api.schemas.commands import (
    TIMEOUT_MAX_S,
    TIMEOUT_MIN_S,
    CancelReservationCreate,
    ChangeAvailabilityCreate,
    ChangeConfigurationCreate,
    ClearCacheCreate,
    ClearChargingProfileCreate,
    CommandCreate,
    CommandRead,
    CommandResultRead,
    DataTransferCreate,
    GetCompositeScheduleCreate,
    GetConfigurationCreate,
    GetDiagnosticsCreate,
    GetLocalListVersionCreate,
    RemoteStartCreate,
    RemoteStopCreate,
    ReserveNowCreate,
    ResetCreate,
    SendLocalListCreate,
    SetChargingProfileCreate,
    TriggerMessageCreate,
    UnlockCreate,
    UpdateFirmwareCreate,
)
from chargegrid.api.schemas.common import StationIdPath
from chargegrid.domain.permissions import Action, Resource
from chargegrid.runtime import Runtime
from chargegrid.services import commands, stations
from chargegrid.services.accounts import Principal
from chargegrid.services.commands import to_jsonable
from chargegrid.store.models import CommandRecord

router = APIRouter(prefix="/stations/{station_id}/commands", tags=["commands"])


def _executor(access: Annotated[Access, require(Resource.COMMAND, Action.EXECUTE)]) -> Principal:
    """Remote actions: the station in the URL must be reachable for command execution
    (own organisation, or a site granted to the caller's); each one is audited."""
    return access.principal


Executor = Annotated[Principal, Depends(_executor)]
CanRead = Annotated[Access, require(Resource.COMMAND, Action.READ)]

TimeoutQuery = Annotated[float | None, Query(
    ge=TIMEOUT_MIN_S, le=TIMEOUT_MAX_S,
    description="Seconds to wait for the station (1..300); the body's timeout_s wins.")]
ERRORS: dict[int | str, dict[str, str]] = {
    404: {"description": "Station not registered"},
    409: {"description": "Station not connected"},
    502: {"description": "Station answered with a CALLERROR"},
    504: {"description": "Station did not answer in time"},
}


async def _send(runtime: Runtime, principal: Principal, station_id: str, body: CommandCreate,
                timeout_s: float | None) -> CommandResultRead:
    record_id, result = await runtime.commands.send(
        station_id, body.to_command(), requested_by=principal.email,
        timeout_s=body.timeout_s or timeout_s)
    return CommandResultRead(command_id=record_id, status=result.status,
                             data=to_jsonable(result.data))


@router.get("", response_model=list[CommandRead])
def list_commands(station_id: StationIdPath, db: DbSession, _: CanRead,
                  limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[CommandRecord]:
    """The station's command audit log, newest first: who asked what, and how it ended."""
    stations.get_or_raise(db, station_id=station_id)
    return commands.history(db, station_id=station_id, limit=limit)


@router.post("/remote-start", response_model=CommandResultRead, responses=ERRORS)
async def remote_start(station_id: StationIdPath, body: RemoteStartCreate, runtime: RuntimeDep,
                       principal: Executor,
                       timeout_s: TimeoutQuery = None) -> CommandResultRead:
    """Start charging for an id tag, optionally with a TxProfile (RemoteStartTransaction)."""
    return await _send(runtime, principal, station_id, body, timeout_s)


@router.post("/remote-stop", response_model=CommandResultRead, responses=ERRORS)
async def remote_stop(station_id: StationIdPath, body: RemoteStopCreate, runtime: RuntimeDep,
                      principal: Executor,
                      timeout_s: TimeoutQuery = None) -> CommandResultRead:
    """Stop a running transaction (RemoteStopTransaction)."""
    return await _send(runtime, principal, station_id, body, timeout_s)


@router.post("/reset", response_model=CommandResultRead, responses=ERRORS)
async def reset(station_id: StationIdPath, body: ResetCreate, runtime: RuntimeDep,
                principal: Executor, timeout_s: TimeoutQuery = None) -> CommandResultRead:
    """Reboot the station, Soft (ends transactions cleanly) or Hard."""
    return await _send(runtime, principal, station_id, body, timeout_s)


@router.post("/unlock", response_model=CommandResultRead, responses=ERRORS)
async def unlock(station_id: StationIdPath, body: UnlockCreate, runtime: RuntimeDep,
                 principal: Executor, timeout_s: TimeoutQuery = None) -> CommandResultRead:
    """Release a stuck cable (UnlockConnector)."""
    return await _send(runtime, principal, station_id, body, timeout_s)


@router.post("/change-availability", response_model=CommandResultRead, responses=ERRORS)
async def change_availability(station_id: StationIdPath, body: ChangeAvailabilityCreate,
                              runtime: RuntimeDep, principal: Executor,
                              timeout_s: TimeoutQuery = None) -> CommandResultRead:
    """Take an EVSE (or the station, evse_id 0) out of or back into service."""
    return await _send(runtime, principal, station_id, body, timeout_s)


@router.post("/get-configuration", response_model=CommandResultRead, responses=ERRORS)
async def get_configuration(station_id: StationIdPath, runtime: RuntimeDep,
                            principal: Executor, body: GetConfigurationCreate | None = None,
                            timeout_s: TimeoutQuery = None) -> CommandResultRead:
    """Read configuration keys (all without a body); the values are kept for the station."""
    body = body or GetConfigurationCreate()
    return await _send(runtime, principal, station_id, body, timeout_s)


@router.post("/change-configuration", response_model=CommandResultRead, responses=ERRORS)
async def change_configuration(station_id: StationIdPath, body: ChangeConfigurationCreate,
                               runtime: RuntimeDep, principal: Executor,
                               timeout_s: TimeoutQuery = None) -> CommandResultRead:
    """Set one configuration key; an accepted value is kept for the station."""
    return await _send(runtime, principal, station_id, body, timeout_s)


@router.post("/clear-cache", response_model=CommandResultRead, responses=ERRORS)
async def clear_cache(station_id: StationIdPath, runtime: RuntimeDep, principal: Executor,
                      body: ClearCacheCreate | None = None,
                      timeout_s: TimeoutQuery = None) -> CommandResultRead:
    """Empty the station's authorisation cache (after blocking a token, say)."""
    return await _send(runtime, principal, station_id, body or ClearCacheCreate(), timeout_s)


@router.post("/trigger-message", response_model=CommandResultRead, responses=ERRORS)
async def trigger_message(station_id: StationIdPath, body: TriggerMessageCreate,
                          runtime: RuntimeDep, principal: Executor,
                          timeout_s: TimeoutQuery = None) -> CommandResultRead:
    """Ask the station to send a message now (status, meter values, heartbeat, ...)."""
    return await _send(runtime, principal, station_id, body, timeout_s)


@router.post("/send-local-list", response_model=CommandResultRead, responses=ERRORS)
async def send_local_list(station_id: StationIdPath, body: SendLocalListCreate,
                          runtime: RuntimeDep, principal: Executor,
                          timeout_s: TimeoutQuery = None) -> CommandResultRead:
    """Replace (Full) or patch (Differential) the station's offline authorisation list."""
    return await _send(runtime, principal, station_id, body, timeout_s)


@router.post("/get-local-list-version", response_model=CommandResultRead, responses=ERRORS)
async def get_local_list_version(station_id: StationIdPath, runtime: RuntimeDep,
                                 principal: Executor,
                                 body: GetLocalListVersionCreate | None = None,
                                 timeout_s: TimeoutQuery = None) -> CommandResultRead:
    """Which local list version the station holds (to decide Full vs Differential)."""
    body = body or GetLocalListVersionCreate()
    return await _send(runtime, principal, station_id, body, timeout_s)


@router.post("/reserve-now", response_model=CommandResultRead, responses=ERRORS)
async def reserve_now(station_id: StationIdPath, body: ReserveNowCreate, runtime: RuntimeDep,
                      principal: Executor,
                      timeout_s: TimeoutQuery = None) -> CommandResultRead:
    """Hold an EVSE for an id tag until the expiry."""
    return await _send(runtime, principal, station_id, body, timeout_s)


@router.post("/cancel-reservation", response_model=CommandResultRead, responses=ERRORS)
async def cancel_reservation(station_id: StationIdPath, body: CancelReservationCreate,
                             runtime: RuntimeDep, principal: Executor,
                             timeout_s: TimeoutQuery = None) -> CommandResultRead:
    """Release a reservation before it expires."""
    return await _send(runtime, principal, station_id, body, timeout_s)


@router.post("/set-charging-profile", response_model=CommandResultRead, responses=ERRORS)
async def set_charging_profile(station_id: StationIdPath, body: SetChargingProfileCreate,
                               runtime: RuntimeDep, principal: Executor,
                               timeout_s: TimeoutQuery = None) -> CommandResultRead:
    """Install a charging profile by hand (the EMS sends its own through the same path)."""
    return await _send(runtime, principal, station_id, body, timeout_s)


@router.post("/clear-charging-profile", response_model=CommandResultRead, responses=ERRORS)
async def clear_charging_profile(station_id: StationIdPath, body: ClearChargingProfileCreate,
                                 runtime: RuntimeDep, principal: Executor,
                                 timeout_s: TimeoutQuery = None) -> CommandResultRead:
    """Remove charging profiles matching the given fields (all of them with an empty body)."""
    return await _send(runtime, principal, station_id, body, timeout_s)


@router.post("/get-composite-schedule", response_model=CommandResultRead, responses=ERRORS)
async def get_composite_schedule(station_id: StationIdPath, body: GetCompositeScheduleCreate,
                                 runtime: RuntimeDep, principal: Executor,
                                 timeout_s: TimeoutQuery = None) -> CommandResultRead:
    """The limits the station will actually apply, all profiles combined."""
    return await _send(runtime, principal, station_id, body, timeout_s)


@router.post("/update-firmware", response_model=CommandResultRead, responses=ERRORS)
async def update_firmware(station_id: StationIdPath, body: UpdateFirmwareCreate,
                          runtime: RuntimeDep, principal: Executor,
                          timeout_s: TimeoutQuery = None) -> CommandResultRead:
    """Have the station fetch and install firmware; progress arrives as status reports."""
    return await _send(runtime, principal, station_id, body, timeout_s)


@router.post("/get-diagnostics", response_model=CommandResultRead, responses=ERRORS)
async def get_diagnostics(station_id: StationIdPath, body: GetDiagnosticsCreate,
                          runtime: RuntimeDep, principal: Executor,
                          timeout_s: TimeoutQuery = None) -> CommandResultRead:
    """Have the station upload its diagnostics to a location; answers the file name."""
    return await _send(runtime, principal, station_id, body, timeout_s)


@router.post("/data-transfer", response_model=CommandResultRead, responses=ERRORS)
async def data_transfer(station_id: StationIdPath, body: DataTransferCreate,
                        runtime: RuntimeDep, principal: Executor,
                        timeout_s: TimeoutQuery = None) -> CommandResultRead:
    """A vendor-specific message; the station's data comes back as it was sent."""
    return await _send(runtime, principal, station_id, body, timeout_s)
