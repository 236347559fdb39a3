"""What every version's handler set shares: routing through the library's `@on` map, the
registration gate, and keeping a report verbatim.

Each adapter subclasses `StationHandlers`, declares `@on(...)` methods in the library's
style (snake_case keyword arguments in, a `call_result` dataclass out) and its own
`allowed_before_accepted`; `routes()` turns them into the RPC layer's JSON handlers.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, ClassVar

from ocpp.routing import create_route_map

from chargegrid.domain.stations import BootDecision, BootInfo
from chargegrid.domain.timestamps import format_timestamp
from chargegrid.ocpp.context import StationContext
from chargegrid.ocpp.errors import RpcError
from chargegrid.ocpp.payloads import as_kwargs, to_payload
from chargegrid.ocpp.rpc import Handler
from chargegrid.services import stations


class StationHandlers:
    """Base of one connection's handlers."""

    # Registration status → the actions a station in it may send (OCPP: Pending/Rejected).
    allowed_before_accepted: ClassVar[Mapping[str, Collection[str]]] = {}

    def __init__(self, ctx: StationContext) -> None:
        self.ctx = ctx

    def routes(self) -> dict[str, Handler]:
        table: dict[str, Handler] = {}
        for action, entry in create_route_map(self).items():
            if "_on_action" in entry:
                table[str(action)] = _adapt(entry["_on_action"])
        return table

    def gate(self, action: str) -> None:
        allowed = self.allowed_before_accepted.get(self.ctx.registration_status)
        if allowed is not None and action not in allowed:
            raise RpcError("SecurityError",
                           f"station is {self.ctx.registration_status}: {action} not allowed")

    async def _boot(self, info: BootInfo, version: str) -> tuple[BootDecision, str]:
        """Store the boot and learn the station's standing (it gates what follows)."""
        ctx, now = self.ctx, self.ctx.clock.now()
        decision = await ctx.writer.submit(lambda s: stations.record_boot(
            s, station_id=ctx.station_id, info=info, ocpp_version=version, now=now,
            interval_s=ctx.settings.heartbeat_interval_s))
        ctx.registration_status = decision.status.value
        return decision, format_timestamp(now)

    async def _heartbeat(self) -> str:
        """Record that the station is alive; the answer's current time, UTC with `Z`."""
        ctx, now = self.ctx, self.ctx.clock.now()
        await ctx.writer.submit(
            lambda s: stations.record_heartbeat(s, station_id=ctx.station_id, now=now))
        return format_timestamp(now)

    async def _record(self, kind: str, payload: dict[str, Any]) -> None:
        """Keep a station-initiated report verbatim (committed before it is answered)."""
        ctx, now = self.ctx, self.ctx.clock.now()
        await ctx.writer.submit(lambda s: stations.record_event(
            s, station_id=ctx.station_id, kind=kind, payload=payload, now=now))


def _adapt(method: Any) -> Handler:
    """Wrap a library-style handler (snake_case kwargs → dataclass) as a JSON handler; the
    schema has already guaranteed every required argument is there."""

    async def handle(payload: dict[str, Any]) -> dict[str, Any]:
        return to_payload(await method(**as_kwargs(payload)))

    return handle
