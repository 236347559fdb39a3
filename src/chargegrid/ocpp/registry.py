"""Live connections by station id; the gateway through which commands reach stations.

A station that reconnects replaces its stale socket at once (the old one is closed), and a
command to a station without a connection fails fast instead of waiting for its timeout.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chargegrid.domain.commands import Command, CommandResult
from chargegrid.errors import StationOfflineError
from chargegrid.ocpp.rpc import RpcEndpoint

Encoder = Callable[[Command], tuple[str, dict[str, Any]]]
Decoder = Callable[[Command, dict[str, Any]], CommandResult]


@dataclass(slots=True)
class LiveConnection:
    station_id: str
    version: str
    endpoint: RpcEndpoint
    encode: Encoder
    decode: Decoder
    close: Callable[[str], Any]


class ConnectionRegistry:
    """Implements the services' StationGateway for the stations connected to this process."""

    def __init__(self) -> None:
        self._live: dict[str, LiveConnection] = {}

    def add(self, connection: LiveConnection) -> LiveConnection | None:
        """Register; returns the connection it replaced, which the caller must close."""
        previous = self._live.get(connection.station_id)
        self._live[connection.station_id] = connection
        return previous

    def remove(self, connection: LiveConnection) -> bool:
        """Unregister if still current; False when a newer connection already replaced it."""
        if self._live.get(connection.station_id) is connection:
            del self._live[connection.station_id]
            return True
        return False

    def is_connected(self, station_id: str) -> bool:
        return station_id in self._live

    def connected_ids(self) -> list[str]:
        return sorted(self._live)

    def version_of(self, station_id: str) -> str | None:
        live = self._live.get(station_id)
        return live.version if live else None

    async def send(self, station_id: str, command: Command, timeout_s: float) -> CommandResult:
        live = self._live.get(station_id)
        if live is None:
            raise StationOfflineError(f"station {station_id!r} is not connected")
        action, payload = live.encode(command)
        reply = await live.endpoint.call(action, payload, timeout_s)
        return live.decode(command, reply)
