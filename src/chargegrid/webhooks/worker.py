"""The delivery worker: turns bus events into outbox rows and posts due deliveries.

It never blocks OCPP handling: the bus subscriber only appends to a queue and schedules a
small task that stores the events (through the batch writer, the one writing thread), apart
from the sender, so a hanging receiver does not delay storing; idle checks run in a thread;
HTTP is asynchronous with a timeout per request. Deliveries are stored before they are
sent, so a restart resumes them.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from datetime import datetime, timedelta
from functools import partial

import httpx
from sqlalchemy.orm import Session, sessionmaker

from chargegrid import __version__
from chargegrid.aio import wait_event
from chargegrid.bus.events import Event, TransactionEnded, TransactionStarted
from chargegrid.clock import Clock
from chargegrid.store.writer import BatchWriter
from chargegrid.webhooks import deliveries
from chargegrid.webhooks.deliveries import Attempt, Outcome, RetryPolicy
from chargegrid.webhooks.events import SESSION_STARTED, SESSION_STOPPED
from chargegrid.webhooks.session_events import emit_session_event
from chargegrid.webhooks.signing import (
    EVENT_ID_HEADER,
    EVENT_TYPE_HEADER,
    SIGNATURE_HEADER,
    header_value,
)

log = logging.getLogger(__name__)
RESPONSE_READ_BYTES = 4096
STOP_GRACE_S = 5.0


class WebhookWorker:
    """One per runtime; `start()` inside the event loop, `stop()` before the writer closes."""

    def __init__(self, sessions: sessionmaker[Session], writer: BatchWriter, clock: Clock, *,
                 policy: RetryPolicy | None = None, poll_interval_s: float = 5.0,
                 timeout_s: float = 10.0, batch_size: int = 20,
                 lease: timedelta = timedelta(seconds=60),
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._sessions = sessions
        self._writer = writer
        self._clock = clock
        self.policy = policy or RetryPolicy()
        self._poll_interval_s = poll_interval_s
        self._timeout = httpx.Timeout(timeout_s)
        self._batch_size = batch_size
        self._lease = lease
        self._transport = transport
        self._queue: deque[tuple[str, int]] = deque()
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._store_task: asyncio.Task[None] | None = None

    # --- wiring -----------------------------------------------------------------------

    def on_bus_event(self, event: Event) -> None:
        """Bus subscriber: quick and never raising, as the bus requires."""
        if isinstance(event, TransactionStarted):
            self._queue.append((SESSION_STARTED, event.transaction_id))
        elif isinstance(event, TransactionEnded):
            self._queue.append((SESSION_STOPPED, event.transaction_id))
        else:
            return
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._schedule_store)

    def _schedule_store(self) -> None:
        """Store bus events at once, even while the sender waits on a slow receiver."""
        if self._store_task is None or self._store_task.done():
            self._store_task = asyncio.create_task(self._store_and_wake(),
                                                   name="webhook-outbox-store")

    async def _store_and_wake(self) -> None:
        try:
            while self._queue:
                await self._store_queued_events()
        except Exception:
            log.exception("storing webhook events failed; retrying at the next pass")
        self._wake.set()

    def wake(self) -> None:
        """Look for work now rather than at the next poll (safe from any thread)."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake.set)

    def start(self) -> None:
        if self._task is None:
            self._loop = asyncio.get_running_loop()
            self._task = asyncio.create_task(self._run(), name="webhook-worker")

    async def stop(self) -> None:
        """Cancel in-flight sends (they stay pending) and store queued bus events."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            # A receiver that never answers must not hold the server's shutdown: the
            # deliveries stay pending in the database and are resent after the restart.
            done, _ = await asyncio.wait({task}, timeout=STOP_GRACE_S)
            if not done:
                log.warning("webhook worker did not stop within %.0f s; left behind",
                            STOP_GRACE_S)
        store, self._store_task = self._store_task, None
        if store is not None:
            done, _ = await asyncio.wait({store}, timeout=STOP_GRACE_S)
            if not done:
                log.warning("storing queued webhook events did not finish in time")
            elif not store.cancelled() and store.exception() is not None:
                log.warning("storing queued webhook events failed: %s", store.exception())
        if self._queue and self._writer.running:
            await self._store_queued_events()
        self._loop = None

    # --- work -------------------------------------------------------------------------

    async def _run(self) -> None:
        async with httpx.AsyncClient(timeout=self._timeout, transport=self._transport,
                                     follow_redirects=False) as client:
            while True:
                try:
                    await self.run_once(client)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("webhook worker pass failed; retrying at the next poll")
                await wait_event(self._wake, self._poll_interval_s)
                self._wake.clear()

    async def run_once(self, client: httpx.AsyncClient) -> int:
        """Store queued bus events, then send every due delivery; returns attempts made."""
        if self._queue:
            await self._store_queued_events()
        sent = 0
        while True:
            now = self._clock.now()
            if not await asyncio.to_thread(self._any_due, now):
                return sent
            claimed = await self._writer.submit(partial(
                deliveries.claim_due, now=now, limit=self._batch_size, lease=self._lease))
            if not claimed:
                return sent
            outcomes = list(await asyncio.gather(*(self._send(client, a) for a in claimed)))
            done_at = self._clock.now()
            await self._writer.submit(partial(
                deliveries.record, outcomes=outcomes, now=done_at, policy=self.policy))
            sent += len(outcomes)

    def _any_due(self, now: datetime) -> bool:
        with self._sessions() as session:
            return deliveries.any_due(session, now=now)

    async def _store_queued_events(self) -> None:
        items: list[tuple[str, int]] = []
        while self._queue:
            items.append(self._queue.popleft())
        now = self._clock.now()

        def job(session: Session) -> None:
            for event_type, transaction_id in items:
                emit_session_event(session, event_type=event_type,
                                   transaction_id=transaction_id, now=now)

        await self._writer.submit(job)

    async def _send(self, client: httpx.AsyncClient, attempt: Attempt) -> Outcome:
        """One POST; any transport failure is an outcome, never an exception."""
        body = attempt.body.encode("utf-8")
        timestamp = int(self._clock.now().timestamp())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"ChargeGrid-Webhooks/{__version__}",
            SIGNATURE_HEADER: header_value(attempt.secret, timestamp, body),
            EVENT_ID_HEADER: attempt.event_id,
            EVENT_TYPE_HEADER: attempt.event_type,
            "ChargeGrid-Delivery-Attempt": str(attempt.attempt),
        }
        try:
            async with client.stream("POST", attempt.url, content=body,
                                     headers=headers) as response:
                head = b""
                async for chunk in response.aiter_bytes():
                    head += chunk
                    if len(head) >= RESPONSE_READ_BYTES:
                        break
            return Outcome(attempt.delivery_id, response.status_code,
                           head[:RESPONSE_READ_BYTES].decode("utf-8", "replace"))
        except httpx.HTTPError as err:
            return Outcome(attempt.delivery_id, None,
                           error=f"{type(err).__name__}: {err}")
