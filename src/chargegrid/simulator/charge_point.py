"""What both versions' station-side ChargePoints add to the `ocpp` library's ChargePoint.

The 1.6 and 2.0.1 ChargePoints differ only in their handlers; this base holds the parts
that do not depend on the protocol version, so a fix to the ordering reaches both:

- Replies to central-system CALLs go out before anything the handler queued: the outbox
  waits on `_idle` while a CALL is being handled, so e.g. a StartTransaction caused by a
  RemoteStartTransaction never overtakes the RemoteStartTransaction's CALLRESULT.
- Every CALL received is recorded for test introspection.
- `send_raw` puts any text on the socket and returns the raw reply (for protocol tests).

The base derives from the version-neutral `ocpp.charge_point.ChargePoint`; a concrete class
lists it after its handlers and before the version's ChargePoint (which sets the message
modules and schema version), e.g. `class X(Handlers..., StationChargePointBase, v16.ChargePoint)`.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Protocol

from ocpp.charge_point import ChargePoint
from websockets.asyncio.client import ClientConnection

ANY_REPLY = "*"
"""Waiter key for a raw frame without a parsable unique id: it takes the next reply."""


class CallRecorder(Protocol):
    """The adapter as the ChargePoint sees it."""

    @property
    def station_id(self) -> str: ...

    @property
    def received(self) -> list[tuple[str, dict[str, Any]]]: ...

    def record_result(self, action: str, result: Any) -> None: ...


class StationChargePointBase(ChargePoint):  # type: ignore[misc]
    adapter: CallRecorder

    def __init__(self, adapter: CallRecorder, connection: ClientConnection,
                 response_timeout: float) -> None:
        super().__init__(adapter.station_id, connection, response_timeout=response_timeout)
        self.adapter = adapter
        self._idle = asyncio.Event()
        self._idle.set()
        self._raw_waiters: dict[str, asyncio.Future[str]] = {}

    async def route_message(self, raw_msg: str) -> None:
        try:
            frame = json.loads(raw_msg)
        except ValueError:
            frame = None
        if isinstance(frame, list) and len(frame) >= 3:
            if frame[0] in (3, 4):
                waiter = self._raw_waiters.pop(str(frame[1]), None) \
                    or self._raw_waiters.pop(ANY_REPLY, None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(raw_msg)
                    return
            elif frame[0] == 2 and len(frame) >= 4:
                payload = frame[3] if isinstance(frame[3], dict) else {}
                self.adapter.received.append((str(frame[2]), payload))
        self._idle.clear()
        try:
            await super().route_message(raw_msg)
        finally:
            self._idle.set()

    async def send_call(self, payload: Any) -> Any:
        """Send one CALL once no incoming CALL is being answered; record its result."""
        await self._idle.wait()
        result = await self.call(payload, suppress=False)
        self.adapter.record_result(type(payload).__name__, result)
        return result

    async def send_raw(self, text: str, wait: float) -> str:
        """Send `text` as is and return the reply frame with the same unique id (or any reply
        when the text has no parsable id)."""
        try:
            frame = json.loads(text)
            key = str(frame[1])
        except (ValueError, TypeError, IndexError, KeyError):
            key = ANY_REPLY
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._raw_waiters[key] = future
        try:
            await self._connection.send(text)
            return await asyncio.wait_for(future, wait)
        finally:
            self._raw_waiters.pop(key, None)
