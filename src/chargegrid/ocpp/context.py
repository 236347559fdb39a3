"""What an adapter's handlers need from the server, handed in per connection."""

from __future__ import annotations

from dataclasses import dataclass

from chargegrid.bus.in_process import InProcessBus
from chargegrid.clock import Clock
from chargegrid.settings import Settings
from chargegrid.store.writer import BatchWriter


@dataclass(slots=True)
class StationContext:
    station_id: str
    writer: BatchWriter
    clock: Clock
    bus: InProcessBus
    settings: Settings
    registration_status: str = "Accepted"
