"""The application's wiring: one place that builds every part from the settings.

Nothing else holds process-wide state; tests build as many runtimes as they like.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from chargegrid.bus.in_process import InProcessBus
from chargegrid.clock import Clock, SystemClock
from chargegrid.control.controller import ControllerOptions
from chargegrid.control.limits_mqtt import limits_mqtt_options
from chargegrid.control.service import ControlService
from chargegrid.ocpp.registry import ConnectionRegistry
from chargegrid.ocpp.server import OcppServer
from chargegrid.services.commands import CommandService
from chargegrid.settings import Settings
from chargegrid.store.database import create_db_engine, create_session_factory, migrate
from chargegrid.store.writer import BatchWriter
from chargegrid.webhooks.worker import WebhookWorker

log = logging.getLogger(__name__)


class ShutdownOverrunWarning(UserWarning):
    """A shutdown step that did not finish in time (see `Runtime.stop`)."""


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    bus: InProcessBus
    registry: ConnectionRegistry
    writer: BatchWriter
    ocpp: OcppServer
    commands: CommandService
    control: ControlService
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    webhooks: WebhookWorker | None = None
    stop_step_timeout_s: float = 20.0
    shutdown_overruns: list[str] = field(default_factory=list)

    @classmethod
    def build(cls, settings: Settings, *, clock: Clock | None = None,
              run_migrations: bool = True) -> Runtime:
        """Create every part; migrations run here so the schema is current before serving."""
        if run_migrations:
            migrate(settings.database_url)
        engine = create_db_engine(settings.database_url,
                                  sqlite_synchronous=settings.sqlite_synchronous)
        sessions = create_session_factory(engine)
        clock = clock or SystemClock()
        bus = InProcessBus()
        registry = ConnectionRegistry()
        writer = BatchWriter(sessions, max_batch=settings.write_batch_max)
        ocpp = OcppServer(settings=settings, session_factory=sessions, writer=writer,
                          registry=registry, bus=bus, clock=clock)
        commands = CommandService(sessions, registry, clock, settings.command_timeout_s,
                                  writer=writer)
        control = ControlService(sessions=sessions, commands=commands, bus=bus, clock=clock,
                                 options=ControllerOptions(period_s=settings.ems_period_s),
                                 limits_mqtt=limits_mqtt_options(settings))
        # Session events become webhook deliveries (the subscriber only queues; never blocks).
        webhooks = WebhookWorker(sessions, writer, clock)
        bus.subscribe(webhooks.on_bus_event)
        return cls(settings, engine, sessions, clock, bus, registry, writer, ocpp, commands,
                   control, webhooks=webhooks)

    async def start_ocpp(self, host: str | None = None, port: int | None = None) -> None:
        """Start the writer and the OCPP server (port 0 picks a free one)."""
        self.writer.start()
        self._reset_connection_flags()
        if self.webhooks is not None:
            self.webhooks.start()
        await self.ocpp.start(host or self.settings.host,
                              self.settings.ocpp_port if port is None else port)

    async def start_control(self) -> None:
        """Start the EMS controllers of every site (serve and demo do; tests opt in)."""
        await self.control.start()

    async def stop(self) -> None:
        """Stop the EMS, stop accepting, finish pending writes, release the database.

        Each step is bounded: an operator's Ctrl-C (or a test's teardown) must never hang on
        one part that does not finish (a socket that never closes, a task that ignores its
        cancellation). A step that overruns is logged with every task's stack, recorded in
        `shutdown_overruns`, and left behind; the writer still gets to finish its queue.
        """
        await self._bounded("EMS control", self.control.stop())
        await self._bounded("OCPP server", self.ocpp.close())
        if self.webhooks is not None:
            await self._bounded("webhook worker", self.webhooks.stop())
        await self._bounded("database writer", self.writer.close())
        self.engine.dispose()

    async def _bounded(self, name: str, step: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(step)
        done, _ = await asyncio.wait({task}, timeout=self.stop_step_timeout_s)
        if done:
            task.result()
            return
        report = f"shutdown: {name} did not finish in {self.stop_step_timeout_s:.0f} s; " \
                 f"left behind. Tasks:\n{describe_tasks()}"
        log.error("%s", report)
        self.shutdown_overruns.append(report)
        task.cancel()

    def _reset_connection_flags(self) -> None:
        """After a crash no station is connected to us, whatever the table says."""
        from sqlalchemy import update

        from chargegrid.store.models import Station

        with self.sessions() as session:
            session.execute(update(Station).where(Station.connected.is_(True))
                            .values(connected=False))
            session.commit()


def tune_gc_for_serving() -> None:
    """A long-running server holds many long-lived objects (connections, sessions):
    freeze what start-up created and collect the young generation less often, so full
    collections do not stall every station's answer (measured: up to 0.67 s pauses)."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 50)


def describe_tasks() -> str:
    """Every pending task of the running loop with where it waits (shutdown diagnostics)."""
    out = io.StringIO()
    for task in asyncio.all_tasks():
        if task is asyncio.current_task():
            continue
        out.write(f"--- {task.get_name()}: {task.get_coro()!r}\n")
        task.print_stack(limit=12, file=out)
    return out.getvalue()
