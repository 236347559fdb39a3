"""Group commit: charger messages are written in batches, each acknowledged only after the
batch holding it is committed.

One fsync per message caps a server at a few hundred messages per second; one per batch
keeps "persist before acknowledge" and scales with load. Jobs are plain functions of a
SQLAlchemy session (the services), run in one dedicated writer thread, so the event loop
never blocks on the database. A job that fails is reported to its caller alone: the batch
is rolled back and its other jobs are replayed one transaction each, so nobody's message is
lost for someone else's bad frame.

The hand-off is pipelined: `submit` appends to a thread-safe queue (no event-loop task in
between); the thread takes everything queued as one batch, commits it, hands ALL its
outcomes back to the loop in one `call_soon_threadsafe` callback and at once takes the next
batch, without waiting for the loop to deliver the answers. Every future is resolved only
after its batch's commit returned, so nothing is acknowledged before it is durable.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from chargegrid.store.deferred import flush_deferred

T = TypeVar("T")
Job = Callable[[Session], Any]
Outcome = tuple[bool, Any]
Pending = tuple[Job, "asyncio.Future[Any]"]

log = logging.getLogger(__name__)


class WriterClosedError(RuntimeError):
    """The writer is shutting down and takes no more work."""


class BatchWriter:
    """Serialises and batches write jobs; `await submit(job)` returns once it is durable.

    Call `start()` from the event loop whose coroutines will submit; `close()` from it too."""

    def __init__(self, session_factory: sessionmaker[Session], *, max_batch: int = 256) -> None:
        self._session_factory = session_factory
        self._max_batch = max_batch
        self._pending: deque[Pending] = deque()
        self._wakeup = threading.Condition(threading.Lock())
        self._stop_requested = False
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped: asyncio.Future[None] | None = None
        self._closing = False
        self.batches = 0
        self.jobs = 0

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._closing

    def start(self) -> None:
        if self._thread is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._stopped = self._loop.create_future()
        self._thread = threading.Thread(target=self._serve, name="chargegrid-batch-writer",
                                        daemon=True)
        self._thread.start()

    async def close(self) -> None:
        """Finish what was submitted (every caller gets its answer), then stop."""
        self._closing = True
        if self._thread is None or self._stopped is None:
            return
        with self._wakeup:
            self._stop_requested = True
            self._wakeup.notify()
        await asyncio.shield(self._stopped)
        self._thread.join()
        self._thread = None

    async def submit(self, job: Callable[[Session], T]) -> T:
        if self._closing:
            raise WriterClosedError("the writer is closed")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        with self._wakeup:
            self._pending.append((job, future))
            self._wakeup.notify()
        return await future

    def _serve(self) -> None:
        """The writer thread: batch after batch until asked to stop with nothing queued."""
        loop, stopped = self._loop, self._stopped
        assert loop is not None and stopped is not None
        try:
            while True:
                batch = self._next_batch()
                if batch is None:
                    return
                outcomes = self._execute_safely([job for job, _ in batch])
                self.batches += 1
                self.jobs += len(batch)
                loop.call_soon_threadsafe(_resolve, batch, outcomes)
        finally:
            loop.call_soon_threadsafe(_set_stopped, stopped)

    def _next_batch(self) -> list[Pending] | None:
        """Wait for work; take up to `max_batch` queued jobs, or None once stopping and idle."""
        with self._wakeup:
            while not self._pending:
                if self._stop_requested:
                    return None
                self._wakeup.wait()
            take = min(len(self._pending), self._max_batch)
            return [self._pending.popleft() for _ in range(take)]

    def _execute_safely(self, jobs: list[Job]) -> list[Outcome]:
        """`_execute`, but a failure outside any job (a bug here, a dead database handle)
        fails this batch's callers instead of killing the thread and hanging everyone."""
        try:
            return self._execute(jobs)
        except Exception as err:
            log.exception("writer batch of %d jobs failed", len(jobs))
            return [(False, err)] * len(jobs)

    def _execute(self, jobs: list[Job]) -> list[Outcome]:
        """Run all jobs in one transaction; on any failure fall back to one each."""
        try:
            with self._session_factory() as session:
                results = [job(session) for job in jobs]
                flush_deferred(session)
                session.commit()
            return [(True, r) for r in results]
        except Exception as batch_error:
            if len(jobs) == 1:
                return [(False, batch_error)]
        outcomes: list[Outcome] = []
        for job in jobs:
            try:
                with self._session_factory() as session:
                    result = job(session)
                    flush_deferred(session)
                    session.commit()
                outcomes.append((True, result))
            except Exception as err:
                outcomes.append((False, err))
        return outcomes


def _resolve(batch: list[Pending], outcomes: list[Outcome]) -> None:
    """On the loop: answer a committed batch's callers (skipping any that gave up)."""
    for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
        if future.done():
            continue
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)


def _set_stopped(stopped: asyncio.Future[None]) -> None:
    if not stopped.done():
        stopped.set_result(None)
