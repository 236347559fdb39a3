"""Runs one controller per site in this process, fed by the bus.

Sites are picked up (and dropped) on a slow refresh, so a site imported through the API or
the CLI comes under control without a restart. With several server nodes, the lease that
makes one node run a site's controller goes here (see docs/architecture.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from chargegrid.bus.events import Event
from chargegrid.bus.in_process import InProcessBus
from chargegrid.clock import Clock
from chargegrid.control.controller import ControllerOptions, SiteController
from chargegrid.control.limits_mqtt import ExternalLimitsSubscriber, LimitsMqttOptions
from chargegrid.control.site_meters import SiteMeters
from chargegrid.services.commands import CommandService
from chargegrid.store.models import Site, Station

log = logging.getLogger(__name__)
STOP_TIMEOUT_S = 5.0


class ControlService:
    def __init__(self, *, sessions: sessionmaker[Session], commands: CommandService,
                 bus: InProcessBus, clock: Clock, options: ControllerOptions | None = None,
                 refresh_s: float = 30.0, limits_mqtt: LimitsMqttOptions | None = None) -> None:
        self._sessions = sessions
        self._commands = commands
        self._clock = clock
        self._options = options or ControllerOptions()
        self._refresh_s = refresh_s
        self.controllers: dict[int, SiteController] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._site_of_station: dict[str, int] = {}
        self._loop_task: asyncio.Task[None] | None = None
        # External limits published over MQTT go through the same service as the API's.
        self.limits_subscriber = (ExternalLimitsSubscriber(limits_mqtt, sessions=sessions,
                                                           clock=clock, wake=self.wake)
                                  if limits_mqtt is not None else None)
        bus.subscribe(self._on_event)

    def _on_event(self, event: Event) -> None:
        site_id = self._site_of_station.get(event.station_id)
        if site_id is not None and site_id in self.controllers:
            self.controllers[site_id].notify(event)

    def wake(self, site_id: int) -> None:
        """Ask a site's controller to allocate now, if it runs in this process."""
        controller = self.controllers.get(site_id)
        if controller is not None:
            controller.wake()

    async def start(self) -> None:
        await self.refresh()
        self._loop_task = asyncio.create_task(self._refresh_loop(), name="ems-sites")
        if self.limits_subscriber is not None:
            await self.limits_subscriber.start()

    async def stop(self) -> None:
        if self.limits_subscriber is not None:
            await self.limits_subscriber.stop()
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
        for site_id in list(self._tasks):
            await self._stop_site(site_id)

    async def refresh(self) -> None:
        """Start controllers for new sites, stop those of deleted ones, remap stations."""
        sites, attachments = await asyncio.to_thread(self._read_sites)
        self._site_of_station = attachments
        for site_id, meters in sites.items():
            if site_id not in self.controllers:
                await self._start_site(site_id, meters)
        for site_id in [s for s in self.controllers if s not in sites]:
            await self._stop_site(site_id)

    def _read_sites(self) -> tuple[dict[int, list[dict[str, object]]], dict[str, int]]:
        with self._sessions() as session:
            sites = {s.id: list(s.topology.get("meters", []) or [])
                     for s in session.scalars(select(Site))}
            attachments = {sid: site for sid, site in session.execute(
                select(Station.id, Station.site_id).where(Station.site_id.is_not(None)))
                if site is not None}
        return sites, attachments

    async def _start_site(self, site_id: int, meter_configs: list[dict[str, object]]) -> None:
        meters: SiteMeters | None = None
        if meter_configs:
            meters = SiteMeters([dict(c) for c in meter_configs], self._clock)
        controller = SiteController(site_id=site_id, sessions=self._sessions,
                                    commands=self._commands, clock=self._clock, meters=meters,
                                    options=self._options)
        if meters is not None:
            # A meter reading that moves reallocates at once, not at the next period.
            meters.on_change = lambda _node: controller.wake()
            await meters.start()
        self.controllers[site_id] = controller
        self._tasks[site_id] = asyncio.create_task(controller.run(), name=f"ems-site-{site_id}")

    async def _stop_site(self, site_id: int) -> None:
        task = self._tasks.pop(site_id, None)
        controller = self.controllers.pop(site_id, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if controller is not None and controller.meters is not None:
            stopping = asyncio.create_task(controller.meters.stop())
            done, _ = await asyncio.wait({stopping}, timeout=STOP_TIMEOUT_S)
            if not done:  # a meter connection that hangs must not hang the shutdown
                log.warning("site %s: meters did not stop in %.0f s; left behind", site_id,
                            STOP_TIMEOUT_S)

    async def _refresh_loop(self) -> None:
        while True:
            await asyncio.sleep(self._refresh_s)
            try:
                await self.refresh()
            except Exception:
                log.exception("could not refresh the sites under control")
