"""End to end through a real HTTP receiver on loopback: signed deliveries, retries after a
500, giving up, restart resumption, and session events from a real OCPP 1.6 session."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from chargegrid.runtime import Runtime
from chargegrid.settings import Settings
from chargegrid.store.models import WebhookDelivery
from chargegrid.webhooks import emit, endpoints
from chargegrid.webhooks.deliveries import RetryPolicy
from tests.helpers import RawStation, seed
from tests.webhooks.receiver import receiver

SECRET = "whsec_receiver_test_secret_42"
FAST = RetryPolicy(max_attempts=3, base=timedelta(milliseconds=50),
                   cap=timedelta(milliseconds=200))


def _endpoint(rt: Runtime, url: str, events: list[str]) -> int:
    with rt.sessions() as s:
        ep = endpoints.create(s, url=url, event_types=events, secret=SECRET,
                              now=rt.clock.now())
        s.commit()
        return ep.id


def _emit_invoice(rt: Runtime) -> str:
    with rt.sessions() as s:
        event_id = emit(s, "invoice.issued", {"invoice_id": 7, "total": Decimal("12.30"),
                                              "currency": "EUR"})
        s.commit()
    return event_id


def _deliveries(rt: Runtime) -> list[WebhookDelivery]:
    with rt.sessions() as s:
        return list(s.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


async def _until(predicate: object, timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():  # type: ignore[operator]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.02)


async def test_signed_delivery_with_event_id_and_exact_money(runtime: Runtime) -> None:
    with receiver(SECRET) as rx:
        _endpoint(runtime, rx.url, ["invoice.issued"])
        event_id = _emit_invoice(runtime)
        assert runtime.webhooks is not None
        runtime.webhooks.wake()
        [got] = await asyncio.to_thread(rx.wait_for, 1)
        await _until(lambda: _deliveries(runtime)[0].status == "delivered")
    assert got.signature_ok
    assert got.headers["ChargeGrid-Event-Id"] == event_id
    assert got.headers["ChargeGrid-Event-Type"] == "invoice.issued"
    assert got.json == {"id": event_id, "type": "invoice.issued",
                        "created_at": got.json["created_at"],
                        "data": {"invoice_id": 7, "total": "12.30", "currency": "EUR"}}
    [row] = _deliveries(runtime)
    assert (row.attempts, row.last_status_code) == (1, 200)
    assert row.last_response == '{"received": true}'


async def test_retry_after_500_keeps_the_event_id_and_body(runtime: Runtime) -> None:
    assert runtime.webhooks is not None
    runtime.webhooks.policy = FAST
    with receiver(SECRET, script=[500]) as rx:
        _endpoint(runtime, rx.url, ["invoice.issued"])
        event_id = _emit_invoice(runtime)
        runtime.webhooks.wake()
        first, second = await asyncio.to_thread(rx.wait_for, 2)
        await _until(lambda: _deliveries(runtime)[0].status == "delivered")
    assert first.body == second.body and first.signature_ok and second.signature_ok
    assert first.headers["ChargeGrid-Event-Id"] == second.headers["ChargeGrid-Event-Id"] == event_id
    assert (first.headers["ChargeGrid-Delivery-Attempt"],
            second.headers["ChargeGrid-Delivery-Attempt"]) == ("1", "2")
    [row] = _deliveries(runtime)
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 2, 200)


async def test_gives_up_after_max_attempts(runtime: Runtime) -> None:
    assert runtime.webhooks is not None
    runtime.webhooks.policy = FAST
    with receiver(SECRET, script=[500, 503, 500, 500]) as rx:
        _endpoint(runtime, rx.url, ["invoice.issued"])
        _emit_invoice(runtime)
        runtime.webhooks.wake()
        await _until(lambda: _deliveries(runtime)[0].status == "failed")
        await asyncio.sleep(0.3)
        assert len(rx.received) == 3
    [row] = _deliveries(runtime)
    assert (row.attempts, row.last_status_code, row.last_response) == (3, 500, "receiver says no")


async def test_unreachable_receiver_is_an_error_outcome_then_retried(runtime: Runtime) -> None:
    assert runtime.webhooks is not None
    runtime.webhooks.policy = RetryPolicy(max_attempts=2, base=timedelta(milliseconds=50))
    # A port nobody listens on: take one and release it.
    with receiver(SECRET) as rx:
        dead_url = rx.url
    _endpoint(runtime, dead_url, ["invoice.issued"])
    _emit_invoice(runtime)
    runtime.webhooks.wake()
    await _until(lambda: _deliveries(runtime)[0].status == "failed")
    [row] = _deliveries(runtime)
    assert row.last_status_code is None and row.last_error and "Connect" in row.last_error


async def test_only_subscribed_active_endpoints_get_an_event(runtime: Runtime) -> None:
    with receiver(SECRET) as rx:
        _endpoint(runtime, rx.url, ["session.started"])
        with runtime.sessions() as s:
            ep = endpoints.create(s, url=rx.url, event_types=["invoice.issued"],
                                  secret=SECRET, now=runtime.clock.now(), active=False)
            s.commit()
        _emit_invoice(runtime)
        assert _deliveries(runtime) == []
        assert ep.id


async def test_stored_deliveries_resume_after_a_restart(settings: Settings) -> None:
    first = Runtime.build(settings, run_migrations=False)
    with receiver(SECRET) as rx:
        _endpoint(first, rx.url, ["invoice.issued"])
        event_id = _emit_invoice(first)  # stored, never sent: this runtime is not started
        first.engine.dispose()
        second = Runtime.build(settings, run_migrations=False)
        await second.start_ocpp("127.0.0.1", 0)
        try:
            [got] = await asyncio.to_thread(rx.wait_for, 1)
            await _until(lambda: _deliveries(second)[0].status == "delivered")
        finally:
            await second.stop()
    assert got.json["id"] == event_id and got.signature_ok


async def test_ocpp_session_start_and_stop_become_signed_events(runtime: Runtime,
                                                                 ocpp_url: str) -> None:
    seed(runtime, tokens={"TAG1": "Accepted"})
    with receiver(SECRET) as rx:
        _endpoint(runtime, rx.url, ["session.started", "session.stopped"])
        cp = await RawStation.connect(f"{ocpp_url}/CP1")
        await cp.ok("BootNotification", {"chargePointVendor": "ACME", "chargePointModel": "X"})
        start_at = datetime.now(UTC) - timedelta(minutes=30)
        start = await cp.ok("StartTransaction", {"connectorId": 1, "idTag": "TAG1",
                                                 "meterStart": 1000,
                                                 "timestamp": start_at.isoformat()})
        await cp.ok("StopTransaction", {"transactionId": start["transactionId"],
                                        "meterStop": 8500, "reason": "Local",
                                        "timestamp": (start_at + timedelta(minutes=25)).isoformat()})
        await cp.close()
        started, stopped = await asyncio.to_thread(rx.wait_for, 2)
    by_type = {r.json["type"]: r for r in (started, stopped)}
    assert all(r.signature_ok for r in (started, stopped))
    data = by_type["session.stopped"].json["data"]
    assert data["transaction_id"] == start["transactionId"] and data["station_id"] == "CP1"
    assert (data["energy_wh"], data["duration_s"], data["stop_reason"], data["evse_id"]) == (
        7500, 1500, "Local", 1)
    assert by_type["session.started"].json["data"]["meter_start_wh"] == 1000
    assert json.loads(by_type["session.started"].body)["id"] != data.get("id")


async def test_session_events_reach_the_stations_organisation_and_its_parents(
        runtime: Runtime) -> None:
    from chargegrid.store.models import Organisation

    now = runtime.clock.now()
    with runtime.sessions() as s:
        child = Organisation(name="Subsidiary", parent_id=1, created_at=now)
        other = Organisation(name="Unrelated", created_at=now)
        s.add_all([child, other])
        s.flush()
        targets = {}
        for name, org in (("parent", 1), ("child", child.id), ("other", other.id),
                          ("everyone", None)):
            targets[name] = endpoints.create(s, url=f"https://{name}.example.org/h",
                                             event_types=["session.stopped"], now=now,
                                             organisation_id=org).id
        emit(s, "session.stopped", {"transaction_id": 1}, now=now, organisation_id=child.id)
        s.commit()
    got = {d.endpoint_id for d in _deliveries(runtime)}
    assert got == {targets["parent"], targets["child"], targets["everyone"]}


async def test_ocpp201_transaction_events_become_the_same_session_events(
        runtime: Runtime, ocpp_url: str) -> None:
    from tests.ocpp201.conftest import boot
    from tests.ocpp201.peer import RawStation201
    from tests.ocpp201.test_transactions import session_stream

    seed(runtime, station_ids=("CS1",), tokens={"TAG1": "Accepted"})
    with receiver(SECRET) as rx:
        _endpoint(runtime, rx.url, ["session.started", "session.stopped"])
        cs = await RawStation201.connect(f"{ocpp_url}/CS1")
        await boot(cs)
        for event in session_stream("tx-201"):
            await cs.ok("TransactionEvent", event)
        await cs.close()
        got = await asyncio.to_thread(rx.wait_for, 2)
    by_type = {r.json["type"]: r.json["data"] for r in got}
    assert set(by_type) == {"session.started", "session.stopped"}
    assert all(r.signature_ok for r in got)
    stopped = by_type["session.stopped"]
    assert (stopped["uid"], stopped["station_id"], stopped["evse_id"]) == ("tx-201", "CS1", 1)
    assert (stopped["energy_wh"], stopped["duration_s"], stopped["stop_reason"]) == (
        8000, 2400, "EVDisconnected")


async def test_a_hanging_receiver_does_not_hold_up_ocpp(runtime: Runtime, ocpp_url: str) -> None:
    import threading

    seed(runtime, tokens={"TAG1": "Accepted"})
    hold = threading.Event()
    with receiver(SECRET, hold=hold) as rx:
        _endpoint(runtime, rx.url, ["invoice.issued", "session.started", "session.stopped"])
        _emit_invoice(runtime)
        assert runtime.webhooks is not None
        runtime.webhooks.wake()
        await asyncio.to_thread(rx.wait_for, 1)  # the worker is now stuck in that request
        cp = await RawStation.connect(f"{ocpp_url}/CP1")
        await cp.ok("BootNotification", {"chargePointVendor": "ACME", "chargePointModel": "X"})
        at = datetime.now(UTC)
        start = await cp.ok("StartTransaction", {"connectorId": 1, "idTag": "TAG1",
                                                 "meterStart": 0, "timestamp": at.isoformat()})
        await cp.ok("StopTransaction", {"transactionId": start["transactionId"],
                                        "meterStop": 100, "timestamp": at.isoformat()})
        await cp.close()
        assert not hold.is_set()  # all answered while the receiver still hangs
        # ... and the session events are already in the outbox, not waiting for the sender.
        await _until(lambda: len(_deliveries(runtime)) == 3)
        assert not hold.is_set()
        hold.set()
        got = await asyncio.to_thread(rx.wait_for, 3)
    assert sorted(r.json["type"] for r in got) == ["invoice.issued", "session.started",
                                                    "session.stopped"]
