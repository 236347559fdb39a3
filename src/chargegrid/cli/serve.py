"""`chargegrid serve`: the OCPP server and the REST API in one process and event loop.

Signals are ours, not uvicorn's: SIGINT/SIGTERM stop the API, then the OCPP server, then
the writer finishes what it holds, so a Ctrl-C never loses an acknowledged message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Iterator

import typer
import uvicorn

from chargegrid import event_loop
from chargegrid.cli.context import load_settings
from chargegrid.exports.advenir import job as advenir_job
from chargegrid.runtime import Runtime, tune_gc_for_serving
from chargegrid.settings import Settings

log = logging.getLogger(__name__)


class EmbeddedApiServer(uvicorn.Server):
    """uvicorn inside our loop: it must not grab the process's signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def stop_event() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def serve_until_stopped(runtime: Runtime, *, with_api: bool,
                              on_ready: Callable[[], Awaitable[None]] | None = None,
                              on_stop: Callable[[], Awaitable[None]] | None = None,
                              log_level: str = "warning") -> None:
    """Start OCPP (and the API), call `on_ready`, wait for a signal, call `on_stop`, then
    stop the API and the OCPP server."""
    stop = stop_event()
    await runtime.start_ocpp()
    if runtime.settings.ems_enabled:
        await runtime.start_control()
    exports_stop = asyncio.Event()
    exports = asyncio.create_task(advenir_job.run_forever(
        runtime.sessions, clock=runtime.clock, interval_s=runtime.settings.advenir_interval_s,
        stop=exports_stop), name="advenir-export")
    tune_gc_for_serving()
    api: EmbeddedApiServer | None = None
    api_task: asyncio.Task[None] | None = None
    try:
        if with_api:
            from chargegrid.api.app import create_app

            api = EmbeddedApiServer(uvicorn.Config(
                create_app(runtime), host=runtime.settings.host, port=runtime.settings.api_port,
                log_level=log_level, ws="none", lifespan="off"))
            api_task = asyncio.create_task(api.serve())
            while not api.started:
                if api_task.done():
                    api_task.result()
                    raise RuntimeError("the REST API could not start")
                await asyncio.sleep(0.05)
        if on_ready is not None:
            await on_ready()
        else:
            print("ready", flush=True)
        await stop.wait()
    finally:
        exports_stop.set()
        exports.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await exports
        if on_stop is not None:
            await on_stop()
        if api is not None and api_task is not None:
            api.should_exit = True
            with contextlib.suppress(Exception):
                await api_task
        await runtime.stop()


def serve(
    host: str | None = typer.Option(None, help="Listen address (CHARGEGRID_HOST)."),
    ocpp_port: int | None = typer.Option(None, help="OCPP WebSocket port."),
    api_port: int | None = typer.Option(None, help="REST API port."),
    no_api: bool = typer.Option(False, "--no-api", help="Serve OCPP only."),
) -> None:
    """Run the central system: OCPP at ws://HOST:OCPP_PORT/ocpp/{id}, API at /api/v1."""
    settings = load_settings(host=host, ocpp_port=ocpp_port, api_port=api_port)
    logging.basicConfig(level=settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    event_loop.run(_serve(settings, with_api=not no_api), kind=settings.event_loop)


async def _serve(settings: Settings, *, with_api: bool) -> None:
    await serve_until_stopped(Runtime.build(settings), with_api=with_api,
                              log_level=settings.log_level.lower())
