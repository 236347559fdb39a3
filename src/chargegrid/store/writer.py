"""Group commit: charger messages are written in batches, each acknowledged only after the
batch holding it is committed.

One fsync per message caps a server at a few hundred messages per second; one per batch
keeps "persist before acknowledge" and scales with load. Jobs are plain functions of a
SQLAlchemy session (the services), run in one worker thread, so the event loop never blocks
on the database. A job that fails is reported to its caller alone: the batch is rolled back
and its other jobs are replayed one transaction each, so nobody's message is lost for
someone else's bad frame.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from chargegrid.store.deferred import flush_deferred

T = TypeVar("T")
Job = Callable[[Session], Any]

log = logging.getLogger(__name__)


class WriterClosedError(RuntimeError):
    """The writer is shutting down and takes no more work."""


class BatchWriter:
    """Serialises and batches write jobs; `await submit(job)` returns once it is durable."""

    def __init__(self, session_factory: sessionmaker[Session], *, max_batch: int = 256) -> None:
        self._session_factory = session_factory
        self._max_batch = max_batch
        self._queue: asyncio.Queue[tuple[Job, asyncio.Future[Any]] | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.batches = 0
        self.jobs = 0

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done() and not self._closing

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="chargegrid-batch-writer")

    async def close(self) -> None:
        """Finish what was submitted, then stop."""
        self._closing = True
        if self._task is not None:
            await self._queue.put(None)
            await self._task
            self._task = None

    async def submit(self, job: Callable[[Session], T]) -> T:
        if self._closing:
            raise WriterClosedError("the writer is closed")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        await self._queue.put((job, future))
        return await future

    async def _run(self) -> None:
        while True:
            item = await self._queue.get()
            if item is None:
                return
            batch = [item]
            stop = False
            while len(batch) < self._max_batch and not self._queue.empty():
                nxt = self._queue.get_nowait()
                if nxt is None:
                    stop = True
                    break
                batch.append(nxt)
            outcomes = await asyncio.to_thread(self._execute, [job for job, _ in batch])
            self.batches += 1
            self.jobs += len(batch)
            for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)
            if stop:
                return

    def _execute(self, jobs: list[Job]) -> list[tuple[bool, Any]]:
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
        outcomes: list[tuple[bool, Any]] = []
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
