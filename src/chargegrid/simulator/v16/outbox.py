"""The ordered queue of messages a station sends, which survives disconnections.

Transaction messages (StartTransaction, MeterValues, StopTransaction) are `persistent`: a
real charger stores them while offline and delivers them in order after reconnecting
(OCPP 1.6 §4.8 / §3.17 retries). Other messages are dropped when the connection goes; the
station re-announces its state at the next boot instead. Payloads are built at send time so
that a transaction id learned from a queued StartTransaction reaches the messages after it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from ocpp.exceptions import OCPPError

Send = Callable[[Any], Awaitable[Any]]


@dataclass
class Outgoing:
    """One message to send; `build` returns the `ocpp.v16.call` payload, or None to skip it."""

    build: Callable[[], Any]
    persistent: bool = False
    on_result: Callable[[Any], None] | None = None
    future: asyncio.Future[Any] | None = None
    attempts: int = field(default=0)


class Outbox:
    """FIFO of `Outgoing`; `drain` sends while connected and stops at the first network error."""

    def __init__(self, *, max_attempts: Callable[[], int] = lambda: 3) -> None:
        self._items: deque[Outgoing] = deque()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._max_attempts = max_attempts

    def __len__(self) -> int:
        return len(self._items)

    @property
    def pending_persistent(self) -> int:
        return sum(1 for item in self._items if item.persistent)

    def put(self, item: Outgoing) -> None:
        self._items.append(item)
        self._idle.clear()
        self._wake.set()

    def drop_volatile(self) -> None:
        """On disconnect: forget what need not survive, failing anyone still waiting on it."""
        kept: deque[Outgoing] = deque()
        for item in self._items:
            if item.persistent:
                kept.append(item)
            elif item.future is not None and not item.future.done():
                item.future.set_exception(ConnectionError("station went offline"))
        self._items = kept
        if not kept:
            self._idle.set()

    async def wait_empty(self) -> None:
        await self._idle.wait()

    async def drain(self, send: Send) -> None:
        """Send items in order, forever. A network error propagates and leaves the item queued;
        a CALLERROR answer or too many timeouts drop it (retrying would never succeed)."""
        while True:
            if not self._items:
                self._idle.set()
                self._wake.clear()
                await self._wake.wait()
                continue
            item = self._items[0]
            payload = item.build()
            if payload is None:
                self._items.popleft()
                continue
            try:
                result = await send(payload)
            except OCPPError as err:
                self._items.popleft()
                self._settle(item, error=err)
                continue
            except TimeoutError as err:
                item.attempts += 1
                if item.attempts >= max(1, self._max_attempts()):
                    self._items.popleft()
                    self._settle(item, error=err)
                continue
            self._items.popleft()
            self._settle(item, result=result)

    @staticmethod
    def _settle(item: Outgoing, *, result: Any = None, error: Exception | None = None) -> None:
        if error is None and item.on_result is not None:
            item.on_result(result)
        if item.future is not None and not item.future.done():
            if error is not None:
                item.future.set_exception(error)
            else:
                item.future.set_result(result)
