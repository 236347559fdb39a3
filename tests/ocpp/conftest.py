"""Shared pieces of the OCPP 1.6 compliance tests: a booted raw station, and one round trip
of a central-initiated command (what the station received, what it answered, what we
recorded)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from chargegrid.domain.commands import Command, CommandResult
from chargegrid.ocpp.dialect import v16_dialect
from chargegrid.ocpp.schemas import validate_request
from chargegrid.runtime import Runtime
from chargegrid.store.models import CommandRecord, StationEvent
from tests.helpers import RawStation, seed

# What every timestamp we send must look like: UTC ISO 8601 ending in Z.
UTC_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
V16 = v16_dialect()
TIMESTAMP_KEYS = {"timestamp", "currentTime", "expiryDate", "retrieveDate", "startTime",
                  "stopTime", "validFrom", "validTo", "startSchedule"}


def iso(moment: datetime) -> str:
    return moment.isoformat()


def now_utc() -> datetime:
    return datetime.now(UTC)


def assert_utc_z(payload: Any) -> int:
    """Every timestamp field anywhere in `payload` ends in Z; returns how many were seen."""
    seen = 0
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key in TIMESTAMP_KEYS and isinstance(value, str):
                assert UTC_Z.match(value), f"{key}={value!r} is not UTC ending in Z"
                seen += 1
            else:
                seen += assert_utc_z(value)
    elif isinstance(payload, list):
        seen += sum(assert_utc_z(item) for item in payload)
    return seen


async def boot(cp: RawStation, expected: str = "Accepted") -> dict[str, Any]:
    reply = await cp.call("BootNotification", {"chargePointVendor": "ACME",
                                               "chargePointModel": "OCTT-1"})
    assert reply[0] == 3, reply
    assert reply[2]["status"] == expected
    assert_utc_z(reply[2])
    return dict(reply[2])


async def start_tx(cp: RawStation, *, connector: int = 1, tag: str = "TAG1",
                   meter: int = 0, at: datetime | None = None,
                   **extra: Any) -> dict[str, Any]:
    reply = await cp.call("StartTransaction", {
        "connectorId": connector, "idTag": tag, "meterStart": meter,
        "timestamp": iso(at or now_utc()), **extra})
    assert reply[0] == 3, reply
    return dict(reply[2])


async def stop_tx(cp: RawStation, tx_id: int, *, meter: int = 1000,
                  at: datetime | None = None, **extra: Any) -> dict[str, Any]:
    reply = await cp.call("StopTransaction", {"transactionId": tx_id, "meterStop": meter,
                                              "timestamp": iso(at or now_utc()), **extra})
    assert reply[0] == 3, reply
    return dict(reply[2])


async def status(cp: RawStation, connector: int, state: str, **extra: Any) -> None:
    reply = await cp.call("StatusNotification", {"connectorId": connector,
                                                 "errorCode": "NoError", "status": state,
                                                 **extra})
    assert reply == [3, reply[1], {}], reply


@dataclass(frozen=True, slots=True)
class RoundTrip:
    """One central-initiated command: the CALL as received, our result and audit row."""

    action: str
    payload: dict[str, Any]
    result: CommandResult
    record: CommandRecord


async def roundtrip(runtime: Runtime, cp: RawStation, command: Command,
                    answer: dict[str, Any], *, station_id: str = "CP1") -> RoundTrip:
    """Send `command` through the command path, answer its CALL with `answer`."""
    task = asyncio.create_task(runtime.commands.send(station_id, command))
    frame = await cp.next_call()
    assert frame[0] == 2 and isinstance(frame[1], str) and len(frame[1]) <= 36
    assert_utc_z(frame[3])
    # What we send must itself pass the 1.6 schema a strict station validates it against.
    validate_request(V16, frame[2], frame[3])
    await cp.answer(frame[1], answer)
    record_id, result = await asyncio.wait_for(task, 10)
    return RoundTrip(frame[2], frame[3], result, command_record(runtime, record_id))


def command_record(runtime: Runtime, record_id: int) -> CommandRecord:
    with runtime.sessions() as s:
        record = s.get(CommandRecord, record_id)
        assert record is not None
        s.expunge(record)
        return record


def events(runtime: Runtime, kind: str, station_id: str = "CP1") -> list[dict[str, Any]]:
    with runtime.sessions() as s:
        return [dict(p) for p in s.scalars(
            select(StationEvent.payload).where(StationEvent.station_id == station_id,
                                               StationEvent.kind == kind)
            .order_by(StationEvent.id))]


@pytest.fixture
async def cp(runtime: Runtime, ocpp_url: str) -> AsyncIterator[RawStation]:
    """CP1 (registered, Accepted, token TAG1) connected and booted."""
    seed(runtime, tokens={"TAG1": "Accepted"})
    station = await RawStation.connect(f"{ocpp_url}/CP1")
    await boot(station)
    try:
        yield station
    finally:
        await station.close()
