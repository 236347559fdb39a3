"""A standard 1.6 peer (not our simulator) runs a whole session; everything it was told
is stored before the answer, retries are idempotent, late and unknown messages are safe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from chargegrid.runtime import Runtime
from chargegrid.store.models import MeterValue, StationEvent, Transaction
from tests.helpers import RawStation, seed


def _ts(moment: datetime) -> str:
    return moment.isoformat()


async def test_boot_authorize_start_meter_stop(runtime: Runtime, ocpp_url: str) -> None:
    seed(runtime, tokens={"TAG1": "Accepted"})
    cp = await RawStation.connect(f"{ocpp_url}/CP1")
    boot = await cp.call("BootNotification", {"chargePointVendor": "ACME", "chargePointModel": "X"})
    assert boot[0] == 3 and boot[2]["status"] == "Accepted"
    assert boot[2]["currentTime"].endswith("Z") and boot[2]["interval"] == 60
    auth = await cp.call("Authorize", {"idTag": "TAG1"})
    assert auth[2] == {"idTagInfo": {"status": "Accepted"}}
    start_at = datetime.now(UTC) - timedelta(seconds=5)
    start = await cp.call("StartTransaction", {"connectorId": 1, "idTag": "TAG1",
                                               "meterStart": 1000, "timestamp": _ts(start_at)})
    tx_id = start[2]["transactionId"]
    # The answer came after commit: a fresh session already sees the transaction.
    with runtime.sessions() as s:
        assert s.get(Transaction, tx_id) is not None
    samples = [{"timestamp": _ts(start_at + timedelta(seconds=i)), "sampledValue": [
        {"value": str(1000 + 500 * i), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
        {"value": "16.0", "measurand": "Current.Import", "phase": "L1", "unit": "A"},
        {"value": "15.5", "measurand": "Current.Import", "phase": "L2", "unit": "A"},
    ]} for i in range(1, 4)]
    mv = await cp.call("MeterValues", {"connectorId": 1, "transactionId": tx_id,
                                       "meterValue": samples})
    assert mv == [3, mv[1], {}]
    stop = await cp.call("StopTransaction", {"transactionId": tx_id, "meterStop": 3000,
                                             "timestamp": _ts(start_at + timedelta(seconds=5)),
                                             "idTag": "TAG1", "reason": "EVDisconnected"})
    assert stop[2]["idTagInfo"]["status"] == "Accepted"
    await cp.close()
    with runtime.sessions() as s:
        tx = s.get(Transaction, tx_id)
        assert tx is not None
        assert (tx.state, tx.energy_wh, tx.stop_reason) == ("ended", 2000, "EVDisconnected")
        assert tx.meter_values_energy_wh == 1000.0 and not tx.energy_mismatch
        rows = s.scalars(select(MeterValue).where(MeterValue.transaction_id == tx_id)).all()
        assert len(rows) == 9
        phases = {(r.measurand, r.phase) for r in rows}
        assert ("Current.Import", "L2") in phases
        assert all(r.context == "Sample.Periodic" and r.location == "Outlet" for r in rows)


async def test_start_retry_is_idempotent_and_unknown_stop_is_answered(
    runtime: Runtime, ocpp_url: str
) -> None:
    seed(runtime)
    cp = await RawStation.connect(f"{ocpp_url}/CP1")
    payload = {"connectorId": 1, "idTag": "TAG1", "meterStart": 0,
               "timestamp": "2026-01-01T10:00:00+01:00"}
    first = await cp.call("StartTransaction", payload)
    second = await cp.call("StartTransaction", payload)
    assert first[2]["transactionId"] == second[2]["transactionId"]
    unknown = await cp.call("StopTransaction", {"transactionId": 987654, "meterStop": 10,
                                                "timestamp": "2026-01-01T10:00:00Z"})
    assert unknown[0] == 3
    await cp.close()
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Transaction)) == 1
        tx = s.get(Transaction, first[2]["transactionId"])
        assert tx is not None
        assert tx.started_at == datetime(2026, 1, 1, 9, 0, tzinfo=UTC)  # +01:00 stored as UTC
        kinds = s.scalars(select(StationEvent.kind)).all()
        assert "UnknownStopTransaction" in kinds


async def test_unknown_blocked_expired_tokens(runtime: Runtime, ocpp_url: str) -> None:
    seed(runtime, tokens={"GOOD": "Accepted", "LOST": "Blocked"})
    with runtime.sessions() as s:
        from chargegrid.services import id_tokens

        id_tokens.create(s, token="OLD", now=runtime.clock.now(),
                         expires_at=runtime.clock.now() - timedelta(days=1))
        id_tokens.create(s, token="CHILD", now=runtime.clock.now(), parent_id_tag="LOST")
        s.commit()
    cp = await RawStation.connect(f"{ocpp_url}/CP1")
    answers = {tag: (await cp.call("Authorize", {"idTag": tag}))[2]["idTagInfo"]["status"]
               for tag in ("GOOD", "LOST", "OLD", "NOBODY", "CHILD")}
    assert answers == {"GOOD": "Accepted", "LOST": "Blocked", "OLD": "Expired",
                       "NOBODY": "Invalid", "CHILD": "Blocked"}
    start = await cp.call("StartTransaction", {"connectorId": 1, "idTag": "LOST",
                                               "meterStart": 0,
                                               "timestamp": "2026-01-01T10:00:00Z"})
    assert start[2]["idTagInfo"]["status"] == "Blocked" and start[2]["transactionId"] > 0
    await cp.close()


async def test_offline_transactions_are_ordered_by_their_own_time(
    runtime: Runtime, ocpp_url: str
) -> None:
    seed(runtime)
    cp = await RawStation.connect(f"{ocpp_url}/CP1")
    later = await cp.call("StartTransaction", {"connectorId": 1, "idTag": "TAG1",
                                               "meterStart": 500,
                                               "timestamp": "2026-03-01T12:00:00Z"})
    earlier = await cp.call("StartTransaction", {"connectorId": 2, "idTag": "TAG1",
                                                 "meterStart": 0,
                                                 "timestamp": "2026-03-01T08:00:00Z"})
    await cp.close()
    from chargegrid.services import transactions

    with runtime.sessions() as s:
        listed = transactions.list_filtered(s, station_id="CP1")
        assert [t.id for t in listed] == [later[2]["transactionId"], earlier[2]["transactionId"]]
