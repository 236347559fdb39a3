"""One batch through the command path (send_many): every command audited before it goes
out and closed with its own outcome, in order, whatever the others did; a station that
is not registered gets no audit row and does not stop the batch."""

from __future__ import annotations

from sqlalchemy import select

from chargegrid.domain.commands import ChangeAvailability, ClearCache, TriggerMessage
from chargegrid.errors import NotFoundError, StationOfflineError
from chargegrid.runtime import Runtime
from chargegrid.simulator import SimulatedStation
from chargegrid.store.models import CommandRecord
from tests.helpers import seed


async def test_a_mixed_batch_is_audited_and_answered_per_command(runtime: Runtime,
                                                                  ocpp_url: str) -> None:
    seed(runtime, station_ids=("B1", "B2", "OFF"))
    stations = [SimulatedStation(sid, ocpp_url, connectors=1, backoff_initial=0.05,
                                 backoff_max=0.2, response_timeout=3) for sid in ("B1", "B2")]
    for station in stations:
        await station.start()
    try:
        for station in stations:
            await station.wait_online()
        requests = [("B1", TriggerMessage("Heartbeat")), ("NOPE", ClearCache()),
                    ("OFF", ClearCache()), ("B2", ChangeAvailability(evse_id=1,
                                                                     operative=False)),
                    ("B2", TriggerMessage("Heartbeat"))]
        deliveries = await runtime.commands.send_many(requests, requested_by="batch-test",
                                                      max_parallel=2)
    finally:
        for station in stations:
            await station.stop()
    assert [(d.station_id, d.command) for d in deliveries] == requests
    assert [d.outcome for d in deliveries] == ["accepted", "error", "offline", "accepted",
                                               "accepted"]
    assert isinstance(deliveries[1].error, NotFoundError) and deliveries[1].record_id is None
    assert isinstance(deliveries[2].error, StationOfflineError)
    assert deliveries[0].result is not None and deliveries[0].result.status == "Accepted"
    with runtime.sessions() as s:
        rows = {r.id: r for r in s.scalars(select(CommandRecord).where(
            CommandRecord.requested_by == "batch-test"))}
    assert sorted(rows) == sorted(d.record_id for d in deliveries if d.record_id is not None)
    for delivery in deliveries:
        if delivery.record_id is None:
            continue
        row = rows[delivery.record_id]
        assert (row.station_id, row.outcome) == (delivery.station_id, delivery.outcome)
        assert row.completed_at is not None and row.requested_at <= row.completed_at
        assert row.action == type(delivery.command).__name__
    assert rows[deliveries[2].record_id].error == "station 'OFF' is not connected"
    assert rows[deliveries[0].record_id].response == {"status": "Accepted", "data": {}}
