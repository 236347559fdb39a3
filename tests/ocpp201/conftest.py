"""Shared pieces of the OCPP 2.0.1 compliance tests: a booted raw 2.0.1 station, and one
round trip of a central-initiated command."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from chargegrid.domain.commands import Command, CommandResult
from chargegrid.runtime import Runtime
from chargegrid.store.models import CommandRecord, StationEvent
from tests.helpers import seed
from tests.ocpp201.peer import RawStation201, assert_utc_z, boot_payload


async def boot(cp: RawStation201, expected: str = "Accepted") -> dict[str, Any]:
    reply = await cp.call("BootNotification", boot_payload())
    assert reply[0] == 3, reply
    assert reply[2]["status"] == expected
    assert assert_utc_z(reply[2]) == 1
    return dict(reply[2])


@dataclass(frozen=True, slots=True)
class RoundTrip:
    action: str
    payload: dict[str, Any]
    result: CommandResult
    record: CommandRecord


async def roundtrip(runtime: Runtime, cp: RawStation201, command: Command,
                    answer: dict[str, Any], *, station_id: str = "CS1") -> RoundTrip:
    """Send `command` through the one command path; answer its CALL with `answer`."""
    task = asyncio.create_task(runtime.commands.send(station_id, command))
    frame = await cp.next_call()
    assert frame[0] == 2 and isinstance(frame[1], str) and len(frame[1]) <= 36
    assert_utc_z(frame[3])
    await cp.answer(frame[1], answer)
    record_id, result = await asyncio.wait_for(task, 10)
    with runtime.sessions() as s:
        record = s.get(CommandRecord, record_id)
        assert record is not None
        s.expunge(record)
    return RoundTrip(frame[2], frame[3], result, record)


def events(runtime: Runtime, kind: str, station_id: str = "CS1") -> list[dict[str, Any]]:
    with runtime.sessions() as s:
        return [dict(p) for p in s.scalars(
            select(StationEvent.payload).where(StationEvent.station_id == station_id,
                                               StationEvent.kind == kind)
            .order_by(StationEvent.id))]


@pytest.fixture
async def cs(runtime: Runtime, ocpp_url: str) -> AsyncIterator[RawStation201]:
    """CS1 (registered, Accepted, tokens TAG1 Accepted / BLOCKED1 Blocked) connected, booted."""
    seed(runtime, station_ids=("CS1",), tokens={"TAG1": "Accepted", "BLOCKED1": "Blocked"})
    station = await RawStation201.connect(f"{ocpp_url}/CS1")
    await boot(station)
    try:
        yield station
    finally:
        await station.close()
