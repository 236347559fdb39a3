"""Test helpers: seed data and a raw OCPP 1.6 client that no ChargeGrid code wrote."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Self

import websockets
from websockets.asyncio.client import ClientConnection

from chargegrid.runtime import Runtime
from chargegrid.services import id_tokens, stations


def seed(rt: Runtime, *, station_ids: tuple[str, ...] = ("CP1",),
         tokens: dict[str, str] | None = None, password: str | None = None) -> None:
    """Register stations and id tokens (token → status)."""
    now = rt.clock.now()
    with rt.sessions() as session:
        for station_id in station_ids:
            stations.create(session, station_id=station_id, now=now, password=password)
        for token, status in (tokens or {"TAG1": "Accepted"}).items():
            id_tokens.create(session, token=token, status=status, now=now)
        session.commit()


class RawStation:
    """A bare OCPP-J 1.6 peer: sends frames, reads frames; nothing of ours underneath."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self._n = 0
        self.incoming_calls: asyncio.Queue[list[Any]] = asyncio.Queue()

    SUBPROTOCOL = "ocpp1.6"

    @classmethod
    async def connect(cls, url: str, **kwargs: Any) -> Self:
        ws = await websockets.connect(url, subprotocols=[cls.SUBPROTOCOL], **kwargs)  # type: ignore[list-item]
        return cls(ws)

    async def ok(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Call and insist on a CALLRESULT; return its payload."""
        reply = await self.call(action, payload)
        assert reply[0] == 3, reply
        return dict(reply[2])

    async def call(self, action: str, payload: dict[str, Any], timeout: float = 10) -> list[Any]:
        """Send a CALL and return the matching reply frame (CALLRESULT or CALLERROR)."""
        self._n += 1
        unique = f"m{self._n}"
        await self.ws.send(json.dumps([2, unique, action, payload]))
        return await self.reply_to(unique, timeout)

    async def send_raw(self, text: str, timeout: float = 10) -> list[Any]:
        await self.ws.send(text)
        return await self.next_reply(timeout)

    async def reply_to(self, unique: str, timeout: float = 10) -> list[Any]:
        while True:
            frame = await self.next_reply(timeout)
            if frame[1] == unique:
                return frame

    async def next_reply(self, timeout: float = 10) -> list[Any]:
        """The next CALLRESULT/CALLERROR; CALLs from the server are queued for `answer`."""
        while True:
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
            if frame[0] == 2:
                await self.incoming_calls.put(frame)
                continue
            return list(frame)

    async def next_call(self, timeout: float = 10) -> list[Any]:
        """The next CALL the server sent us (reading the socket if none is queued)."""
        if not self.incoming_calls.empty():
            return self.incoming_calls.get_nowait()
        while True:
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
            if frame[0] == 2:
                return list(frame)

    async def answer(self, unique: str, payload: dict[str, Any]) -> None:
        await self.ws.send(json.dumps([3, unique, payload]))

    async def close(self) -> None:
        await self.ws.close()
