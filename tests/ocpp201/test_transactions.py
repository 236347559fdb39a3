"""OCA 2.0.1 CSMS test cases, transactions (E) and meter values (J): a standard 2.0.1 peer
runs sessions with TransactionEvents; retries are idempotent; an out-of-order, duplicated
replay (as after an offline period) stores the same session as in-order delivery."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from chargegrid.runtime import Runtime
from chargegrid.store.models import MeterValue, Transaction, TransactionEvent
from tests.helpers import seed
from tests.ocpp201.conftest import boot
from tests.ocpp201.peer import RawStation201, energy, now_utc, tx_event

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def session_stream(tx_id: str, *, offline: bool = False) -> list[dict[str, Any]]:
    """Started (cable plugged, authorised), three periodic Updated with energy and currents,
    Ended (EV disconnected): seqNo 0..4."""
    current = [{"value": 16.0, "measurand": "Current.Import", "phase": "L1",
                "unitOfMeasure": {"unit": "A"}}]
    events = [tx_event("Started", 0, tx_id, T0, trigger="Authorized", evse=1, token="TAG1",
                       state="EVConnected", offline=offline,
                       meter=[energy(1000, T0, "Transaction.Begin")])]
    for i in range(1, 4):
        at = T0 + timedelta(minutes=10 * i)
        events.append(tx_event("Updated", i, tx_id, at, trigger="MeterValuePeriodic",
                               state="Charging", offline=offline,
                               meter=[energy(1000 + 2000 * i, at, more=current)]))
    end = T0 + timedelta(minutes=40)
    events.append(tx_event("Ended", 4, tx_id, end, trigger="EVCommunicationLost",
                           stopped_reason="EVDisconnected", offline=offline,
                           meter=[energy(9000, end, "Transaction.End")]))
    return events


def stored_session(runtime: Runtime, station_id: str, uid: str) -> dict[str, Any]:
    """The session as everything above the adapters sees it (ids and arrival times aside)."""
    with runtime.sessions() as s:
        tx = s.scalars(select(Transaction).where(Transaction.station_id == station_id,
                                                 Transaction.uid == uid)).one()
        fields = {c: getattr(tx, c) for c in (
            "uid", "evse_id", "connector_id", "id_tag", "auth_status", "stop_id_tag", "state",
            "started_at", "stopped_at", "meter_start_wh", "meter_stop_wh", "energy_wh",
            "meter_values_energy_wh", "energy_mismatch", "stop_reason", "reservation_id")}
        fields["events"] = [(e.seq_no, e.event_type, e.trigger_reason, e.offline, e.timestamp)
                            for e in s.scalars(select(TransactionEvent).where(
                                TransactionEvent.transaction_id == tx.id)
                                .order_by(TransactionEvent.seq_no))]
        fields["samples"] = sorted(
            (r.timestamp, r.measurand, r.phase, r.value, r.evse_id, r.context)
            for r in s.scalars(select(MeterValue).where(MeterValue.transaction_id == tx.id)))
        return fields


async def test_boot_authorize_and_a_whole_session(runtime: Runtime, ocpp_url: str) -> None:
    """TC_E_01/TC_E_03/TC_J_02-style: a 2.0.1 station nobody here wrote boots, authorises,
    runs a transaction with meter values; the session lands in the same table and fields
    as a 1.6 session."""
    seed(runtime, station_ids=("CS1",), tokens={"TAG1": "Accepted"})
    cs = await RawStation201.connect(f"{ocpp_url}/CS1")
    await boot(cs)
    auth = await cs.ok("Authorize", {"idToken": {"idToken": "TAG1", "type": "ISO14443"}})
    assert auth == {"idTokenInfo": {"status": "Accepted"}}
    answers = [await cs.ok("TransactionEvent", e) for e in session_stream("tx-1")]
    assert answers[0] == {"idTokenInfo": {"status": "Accepted"}}
    assert answers[1:] == [{}] * 4
    # Persist before acknowledge: a fresh session sees everything at once.
    session = stored_session(runtime, "CS1", "tx-1")
    assert session["state"] == "ended" and session["evse_id"] == 1
    assert (session["meter_start_wh"], session["meter_stop_wh"], session["energy_wh"]) == (
        1000, 9000, 8000)
    assert session["meter_values_energy_wh"] == 8000.0 and not session["energy_mismatch"]
    assert (session["started_at"], session["stopped_at"]) == (T0, T0 + timedelta(minutes=40))
    assert (session["id_tag"], session["auth_status"], session["stop_reason"]) == (
        "TAG1", "Accepted", "EVDisconnected")
    assert len(session["samples"]) == 8  # 5 energy + 3 currents
    with runtime.sessions() as s:
        tx = s.scalars(select(Transaction).where(Transaction.uid == "tx-1")).one()
        assert isinstance(tx.id, int) and tx.start_key is None
    await cs.close()


async def test_retried_events_are_idempotent(cs: RawStation201, runtime: Runtime) -> None:
    """E04-style retries (the answer was lost): every event sent twice changes nothing."""
    for event in session_stream("tx-r"):
        await cs.ok("TransactionEvent", event)
        await cs.ok("TransactionEvent", event)
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Transaction)) == 1
        assert s.scalar(select(func.count()).select_from(TransactionEvent)) == 5
        assert s.scalar(select(func.count()).select_from(MeterValue)) == 8
    assert stored_session(runtime, "CS1", "tx-r")["energy_wh"] == 8000


async def test_out_of_order_replay_with_duplicates_stores_the_same_session(
    runtime: Runtime, ocpp_url: str
) -> None:
    """After an offline period a station replays its queue: events out of order, some twice.
    The stored session equals the one from in-order delivery."""
    seed(runtime, station_ids=("INORDER", "REPLAY"), tokens={"TAG1": "Accepted"})
    in_order = await RawStation201.connect(f"{ocpp_url}/INORDER")
    await boot(in_order)
    for event in session_stream("tx-9", offline=True):
        await in_order.ok("TransactionEvent", event)
    await in_order.close()
    expected = stored_session(runtime, "INORDER", "tx-9")

    rng = random.Random(201)
    replay = await RawStation201.connect(f"{ocpp_url}/REPLAY")
    await boot(replay)
    stream = session_stream("tx-9", offline=True)
    shuffled = stream + rng.sample(stream, 3)
    rng.shuffle(shuffled)
    shuffled = [stream[4], stream[2], *shuffled]  # Ended and an Updated before Started
    for event in shuffled:
        await replay.ok("TransactionEvent", event)
    await replay.close()
    assert stored_session(runtime, "REPLAY", "tx-9") == expected


async def test_every_permutation_of_a_short_stream_converges(
    runtime: Runtime, ocpp_url: str
) -> None:
    import itertools

    seed(runtime, station_ids=("P",), tokens={"TAG1": "Accepted"})
    cs = await RawStation201.connect(f"{ocpp_url}/P")
    await boot(cs)
    base = session_stream("x")
    short = [base[0], base[2], base[4]]
    results = []
    for n, order in enumerate(itertools.permutations(short)):
        uid = f"perm-{n}"
        for event in order:
            await cs.ok("TransactionEvent", {**event, "transactionInfo": {
                **event["transactionInfo"], "transactionId": uid}})
        got = stored_session(runtime, "P", uid)
        got.pop("uid")
        results.append(got)
    await cs.close()
    assert all(r == results[0] for r in results)
    assert results[0]["energy_wh"] == 8000 and results[0]["state"] == "ended"


async def test_updated_only_session_stays_active_and_unknown_token_is_invalid(
    cs: RawStation201, runtime: Runtime
) -> None:
    """TC_E_-style: a transaction heard of only through Updated events (Started lost) exists
    and is active; a token we do not know is Invalid in the answer."""
    now = now_utc()
    reply = await cs.ok("TransactionEvent", tx_event(
        "Updated", 3, "lost-start", now, trigger="Authorized", evse=2, token="NOPE",
        meter=[energy(500, now)]))
    assert reply["idTokenInfo"]["status"] == "Invalid"
    session = stored_session(runtime, "CS1", "lost-start")
    assert (session["state"], session["evse_id"], session["meter_start_wh"]) == (
        "active", 2, 500)
    assert session["stopped_at"] is None and session["energy_wh"] is None


async def test_meter_values_outside_a_transaction(cs: RawStation201, runtime: Runtime) -> None:
    """TC_J_01-style: MeterValues (EVSE 0 main meter, kWh with a multiplier) are stored."""
    at = now_utc()
    reply = await cs.call("MeterValues", {"evseId": 0, "meterValue": [{
        "timestamp": at.isoformat(), "sampledValue": [
            {"value": 12.5, "unitOfMeasure": {"unit": "kWh", "multiplier": 0}},
            {"value": 230.1, "measurand": "Voltage", "phase": "L1-N",
             "unitOfMeasure": {"unit": "V"}},
            {"value": 3, "measurand": "Energy.Active.Import.Register",
             "unitOfMeasure": {"unit": "Wh", "multiplier": 3}}]}]})
    assert reply == [3, reply[1], {}]
    with runtime.sessions() as s:
        rows = s.scalars(select(MeterValue).order_by(MeterValue.id)).all()
        assert [(r.value, r.unit, r.transaction_id) for r in rows] == [
            ("12.5", "kWh", None), ("230.1", "V", None), ("3000", "Wh", None)]
