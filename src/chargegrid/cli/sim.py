"""`chargegrid sim`: run N simulated charging stations against a central system.

Prints a live summary (rich) until Ctrl-C (or `--duration` seconds), then stops cleanly.
Vehicles arrive at random (seeded) and charge for a random dwell time.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table

from chargegrid.cli.output import fail
from chargegrid.simulator.clock import ScaledClock
from chargegrid.simulator.fleet import Fleet, TrafficOptions
from chargegrid.simulator.station import SUPPORTED_VERSIONS

app = typer.Typer(help="Simulated OCPP charging stations (tests, demo, benchmarks).",
                  pretty_exceptions_enable=False)

MAX_ROWS = 20


def summary(fleet: Fleet) -> Table:
    """One row per station (the first MAX_ROWS) and a totals caption."""
    table = Table(caption=f"{fleet.online}/{len(fleet.stations)} online, "
                          f"{fleet.charging()} charging, {fleet.power_w() / 1000:.1f} kW")
    for column in ("station", "online", "connectors", "A (L1/L2/L3)", "kWh", "queued"):
        table.add_column(column)
    for station in fleet.stations[:MAX_ROWS]:
        conns = station.core.connectors.values()
        table.add_row(
            station.station_id, "yes" if station.online else "no",
            " ".join(c.status.value for c in conns),
            " ".join("/".join(f"{a:.0f}" for a in c.currents) for c in conns),
            f"{sum(c.energy_wh for c in conns) / 1000:.2f}", str(station.queued))
    return table


async def run_fleet(fleet: Fleet, *, live: bool, duration: float) -> None:
    """Run until SIGINT/SIGTERM or `duration` seconds (0: forever)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if duration > 0:
        loop.call_later(duration, stop.set)
    await fleet.start()
    console = Console()
    try:
        if live:
            with Live(summary(fleet), console=console, refresh_per_second=2) as view:
                while not stop.is_set():
                    await _wait(stop, 0.5)
                    view.update(summary(fleet))
        else:
            while not stop.is_set():
                await _wait(stop, 5.0)
                console.print(f"{fleet.online}/{len(fleet.stations)} online, "
                              f"{fleet.charging()} charging, {fleet.power_w() / 1000:.1f} kW",
                              highlight=False)
    finally:
        await fleet.stop()
        console.print("simulator stopped", highlight=False)


async def _wait(event: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(event.wait(), seconds)
    except TimeoutError:
        pass


@app.callback(invoke_without_command=True)
def sim(
    url: str = typer.Option("ws://127.0.0.1:9000/ocpp", help="Central system URL (ws:// or "
                            "wss://); each station connects to URL/<id>."),
    stations: int = typer.Option(10, help="Number of stations."),
    prefix: str = typer.Option("SIM", help="Station id prefix: SIM001, SIM002..."),
    connectors: int = typer.Option(2, help="Connectors per station (1 or 2)."),
    meter_interval: float = typer.Option(10.0, help="Seconds between MeterValues."),
    heartbeat: int = typer.Option(300, help="Heartbeat interval until the server sets one."),
    password: str | None = typer.Option(None, help="HTTP Basic auth password (user = id)."),
    ca_file: Path | None = typer.Option(None, help="CA certificate for wss://."),
    ocpp: str = typer.Option("1.6", help="OCPP version: 1.6 or 2.0.1."),
    max_current: float = typer.Option(32.0, help="Connector hardware limit, A per phase."),
    arrival: float = typer.Option(30.0, help="Mean seconds between vehicle arrivals per "
                                  "station (0: no traffic)."),
    dwell: tuple[float, float] = typer.Option((60.0, 300.0), help="Min and max dwell, s."),
    tag: list[str] = typer.Option(["TAG1"], help="Id tags vehicles present (repeatable)."),
    speed: float = typer.Option(1.0, help="Energy, SoC and profile time run this many "
                                "times faster than the wall clock."),
    seed: int = typer.Option(1, help="Random seed for traffic."),
    duration: float = typer.Option(0.0, help="Stop after this many seconds (0: run until "
                                   "Ctrl-C)."),
    live: bool = typer.Option(True, "--live/--no-live", help="Live table or periodic lines."),
) -> None:
    """Run simulated stations until Ctrl-C."""
    if ocpp not in SUPPORTED_VERSIONS:
        fail(f"--ocpp {ocpp} is not supported yet; use one of: {', '.join(SUPPORTED_VERSIONS)}",
             2)
    if not url.startswith(("ws://", "wss://")):
        fail(f"--url must start with ws:// or wss:// (got {url!r})", 2)
    if stations < 1:
        fail("--stations must be at least 1", 2)
    if connectors not in (1, 2):
        fail("--connectors must be 1 or 2", 2)
    if meter_interval <= 0 or heartbeat < 0 or speed <= 0 or max_current < 6:
        fail("--meter-interval and --speed must be > 0, --heartbeat >= 0, "
             "--max-current >= 6", 2)
    if arrival < 0 or not 0 <= dwell[0] <= dwell[1]:
        fail("--arrival must be >= 0 and --dwell MIN MAX with 0 <= MIN <= MAX", 2)
    if ca_file is not None and not ca_file.is_file():
        fail(f"--ca-file {ca_file} does not exist", 2)
    traffic = TrafficOptions(mean_arrival=arrival, dwell=dwell, tags=tuple(tag), seed=seed) \
        if arrival > 0 else None
    fleet = Fleet(url, stations, prefix=prefix, traffic=traffic, connectors=connectors,
                  meter_interval=meter_interval, heartbeat_interval=heartbeat,
                  password=password, ca_file=str(ca_file) if ca_file else None,
                  max_current=max_current, clock=ScaledClock(speed), ocpp=ocpp)
    asyncio.run(run_fleet(fleet, live=live, duration=duration))
