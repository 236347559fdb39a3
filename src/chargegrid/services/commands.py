"""The one path every command to a station takes, whoever asks (API, EMS, recovery):
audit record first, then the call with a timeout, then the outcome recorded."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from datetime import datetime
from enum import Enum
from typing import Any, Protocol, TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from chargegrid.clock import Clock
from chargegrid.domain.commands import (
    CancelReservation,
    ChangeConfiguration,
    Command,
    CommandResult,
    GetConfiguration,
    ReserveNow,
)
from chargegrid.domain.timestamps import format_timestamp
from chargegrid.errors import (
    ChargeGridError,
    CommandRejectedError,
    CommandTimeoutError,
    StationOfflineError,
)
from chargegrid.services import reservations, stations
from chargegrid.store.models import CommandRecord, StationConfigurationKey
from chargegrid.store.writer import BatchWriter

T = TypeVar("T")


class StationGateway(Protocol):
    """Delivers a command to a connected station (implemented by the OCPP server)."""

    def is_connected(self, station_id: str) -> bool: ...

    async def send(self, station_id: str, command: Command, timeout_s: float) -> CommandResult:
        ...


def command_name(command: Command) -> str:
    return type(command).__name__


def to_jsonable(value: Any) -> Any:
    """Commands as JSON for the audit log."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, Enum):
        return value.value
    return value


# Configuration keys / variables whose values are secrets: never written to the audit log.
SECRET_NAMES = frozenset({"AuthorizationKey", "BasicAuthPassword"})


PASSWORD_TAKEN = frozenset({"Accepted", "RebootRequired"})


def _new_basic_auth_password(command: Command) -> str | None:
    """The password a command gives the station (1.6 AuthorizationKey, neutral form)."""
    if isinstance(command, ChangeConfiguration) and command.key == "AuthorizationKey":
        return command.value
    return None


def redacted(command: Command) -> dict[str, Any]:
    """The command as JSON for the audit log, with secret values replaced."""
    data = to_jsonable(command)
    if isinstance(command, ChangeConfiguration) and command.key in SECRET_NAMES:
        data["value"] = "***"
    for setting in data.get("settings", []) if isinstance(data, dict) else []:
        name = (setting.get("variable") or {}).get("variable") if isinstance(setting,
                                                                             dict) else None
        if name in SECRET_NAMES:
            setting["value"] = "***"
    return dict(data)


class CommandService:
    """Sends commands through the gateway and keeps the audit log.

    Audit rows go through the group-commit writer when it runs (the server), so an EMS cycle
    pushing a thousand profiles costs a few commits, not two per command; without it (CLI,
    scripts) each write is its own short transaction.
    """

    def __init__(self, session_factory: sessionmaker[Session], gateway: StationGateway,
                 clock: Clock, default_timeout_s: float,
                 writer: BatchWriter | None = None) -> None:
        self._sessions = session_factory
        self._gateway = gateway
        self._clock = clock
        self._timeout = default_timeout_s
        self._writer = writer

    async def send(self, station_id: str, command: Command, *, requested_by: str | None = None,
                   timeout_s: float | None = None) -> tuple[int, CommandResult]:
        """Send and wait; raises StationOfflineError, CommandTimeoutError or
        CommandRejectedError, each recorded before it is raised."""
        new_password = _new_basic_auth_password(command)
        if new_password is not None:
            stations.check_password(new_password)
        requested_at = self._clock.now()
        record_id: int = await self._write(
            lambda s: _open(s, station_id, command, requested_by, requested_at))
        try:
            if not self._gateway.is_connected(station_id):
                raise StationOfflineError(f"station {station_id!r} is not connected")
            result = await self._gateway.send(station_id, command, timeout_s or self._timeout)
        except ChargeGridError as err:
            outcome = {StationOfflineError: "offline", CommandTimeoutError: "timeout",
                       CommandRejectedError: "error"}.get(type(err), "error")
            done_at, message = self._clock.now(), err.message
            await self._write(lambda s: _close(s, record_id, outcome, None, message, done_at))
            raise
        done_at = self._clock.now()
        response = to_jsonable(result)
        await self._write(lambda s: _close(s, record_id, _outcome_of(result), response, None,
                                           done_at))
        if isinstance(command, (GetConfiguration, ChangeConfiguration)):
            await self._write(lambda s: _remember_configuration(s, station_id, command, result,
                                                                done_at))
        if isinstance(command, ReserveNow):
            await self._write(lambda s: reservations.record_answer(
                s, station_id=station_id, command=command, result=result, now=done_at))
        elif isinstance(command, CancelReservation):
            await self._write(lambda s: reservations.record_cancel(
                s, station_id=station_id, command=command, result=result))
        if new_password is not None and result.status in PASSWORD_TAKEN:
            # The station now answers to the new password only: require it from the next
            # connection on, or it would be locked out (or keep a stale secret).
            password = new_password
            await self._write(lambda s: stations.update(s, station_id=station_id,
                                                        password=password))
        return record_id, result

    async def _write(self, job: Callable[[Session], T]) -> T:
        if self._writer is not None and self._writer.running:
            return await self._writer.submit(job)
        return await asyncio.to_thread(self._alone, job)

    def _alone(self, job: Callable[[Session], T]) -> T:
        with self._sessions() as session:
            result = job(session)
            session.commit()
            return result


def _open(session: Session, station_id: str, command: Command, requested_by: str | None,
          now: datetime) -> int:
    stations.get_or_raise(session, station_id=station_id)
    record = CommandRecord(station_id=station_id, action=command_name(command),
                           request=redacted(command), requested_by=requested_by,
                           requested_at=now)
    session.add(record)
    session.flush()
    return record.id


def _close(session: Session, record_id: int, outcome: str, response: dict[str, Any] | None,
           error: str | None, now: datetime) -> None:
    session.execute(update(CommandRecord).where(CommandRecord.id == record_id).values(
        outcome=outcome, response=response, error=error, completed_at=now))


def _remember_configuration(session: Session, station_id: str, command: Command,
                            result: CommandResult, now: datetime) -> None:
    """Keep the station's configuration as last read or successfully changed."""
    updates: list[tuple[str, str | None, bool]] = []
    if isinstance(command, GetConfiguration):
        for item in result.data.get("configuration_key", []) or []:
            updates.append((item["key"], item.get("value"), bool(item.get("readonly"))))
    elif isinstance(command, ChangeConfiguration) and result.status == "Accepted":
        updates.append((command.key,
                        "***" if command.key in SECRET_NAMES else command.value, False))
    for key, value, readonly in updates:
        row = session.scalars(select(StationConfigurationKey).where(
            StationConfigurationKey.station_id == station_id,
            StationConfigurationKey.key == key)).one_or_none()
        if row is None:
            row = StationConfigurationKey(station_id=station_id, key=key)
            session.add(row)
        row.value, row.readonly, row.updated_at = value, readonly, now


def _outcome_of(result: CommandResult) -> str:
    return "accepted" if result.status in {"Accepted", "Unlocked", "Scheduled"} else "rejected"


def history(session: Session, *, station_id: str, limit: int = 100) -> list[CommandRecord]:
    """The newest commands sent to a station."""
    return list(session.scalars(select(CommandRecord)
                                .where(CommandRecord.station_id == station_id)
                                .order_by(CommandRecord.id.desc()).limit(limit)))
