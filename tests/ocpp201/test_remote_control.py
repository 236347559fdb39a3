"""OCA 2.0.1 CSMS test cases: authorization (C), local authorization list (D), remote control
(F), availability (G), reservation (H) — each through the same neutral commands as 1.6."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chargegrid.domain import commands as cmd
from chargegrid.errors import InvalidInputError
from chargegrid.runtime import Runtime
from chargegrid.services import transactions
from tests.helpers import seed
from tests.ocpp201.conftest import boot, events, roundtrip
from tests.ocpp201.peer import RawStation201, energy, now_utc, tx_event


async def test_authorize_blocked_and_unknown(cs: RawStation201) -> None:
    """TC_C_02/TC_C_03-style: blocked and unknown tokens."""
    blocked = await cs.ok("Authorize", {"idToken": {"idToken": "BLOCKED1", "type": "ISO14443"}})
    assert blocked["idTokenInfo"]["status"] == "Blocked"
    unknown = await cs.ok("Authorize", {"idToken": {"idToken": "X" * 36, "type": "Central"}})
    assert unknown["idTokenInfo"]["status"] == "Invalid"
    too_long = await cs.call("Authorize", {"idToken": {"idToken": "X" * 37, "type": "Central"}})
    assert too_long[2] == "PropertyConstraintViolation"


async def test_clear_cache_and_local_list(cs: RawStation201, runtime: Runtime) -> None:
    """TC_C_37 ClearCache; TC_D_01/TC_D_02 SendLocalList full and differential, version."""
    trip = await roundtrip(runtime, cs, cmd.ClearCache(), {"status": "Accepted"})
    assert (trip.action, trip.payload) == ("ClearCache", {})
    entries = (cmd.LocalListEntry("TAG1", "Accepted",
                                  expiry=datetime(2027, 1, 1, 1, 0, tzinfo=UTC),
                                  parent_id_tag="GROUP"),
               cmd.LocalListEntry("GONE"))
    trip = await roundtrip(runtime, cs, cmd.SendLocalList(3, "Differential", entries),
                           {"status": "Accepted"})
    assert trip.payload == {"versionNumber": 3, "updateType": "Differential",
                            "localAuthorizationList": [
        {"idToken": {"idToken": "TAG1", "type": "ISO14443"},
         "idTokenInfo": {"status": "Accepted", "cacheExpiryDateTime": "2027-01-01T01:00:00.000Z",
                         "groupIdToken": {"idToken": "GROUP", "type": "ISO14443"}}},
        {"idToken": {"idToken": "GONE", "type": "ISO14443"}}]}
    trip = await roundtrip(runtime, cs, cmd.GetLocalListVersion(), {"versionNumber": 3})
    assert trip.result.data == {"list_version": 3}


async def test_remote_start_then_stop_by_our_transaction_id(cs: RawStation201,
                                                             runtime: Runtime) -> None:
    """TC_F_01/TC_F_03: RequestStartTransaction with a generated remoteStartId; the station
    starts; RequestStopTransaction names the station's transactionId for our int id."""
    profile = cmd.ChargingProfile(1, 0, "TxProfile", "Absolute", "A",
                                  (cmd.SchedulePeriod(0, 16.0),))
    trip = await roundtrip(runtime, cs, cmd.RemoteStart("TAG1", 1, profile),
                           {"status": "Accepted"})
    remote_id = trip.payload["remoteStartId"]
    assert trip.action == "RequestStartTransaction" and 0 < remote_id < 2**31
    assert trip.payload["idToken"] == {"idToken": "TAG1", "type": "ISO14443"}
    assert "transactionId" not in trip.payload["chargingProfile"]
    now = now_utc()
    await cs.ok("TransactionEvent", tx_event(
        "Started", 0, "remote-1", now, trigger="RemoteStart", evse=1, token="TAG1",
        meter=[energy(0, now)], transactionInfo={"transactionId": "remote-1",
                                                 "remoteStartId": remote_id}))
    with runtime.sessions() as s:
        tx = transactions.active_on(s, station_id="CS1", evse_id=1)
        assert tx is not None and tx.uid == "remote-1"
        tx_id = tx.id
    trip = await roundtrip(runtime, cs, cmd.RemoteStop(tx_id), {"status": "Accepted"})
    assert (trip.action, trip.payload) == ("RequestStopTransaction",
                                           {"transactionId": "remote-1"})
    await cs.ok("TransactionEvent", tx_event("Ended", 1, "remote-1", now_utc(),
                                             trigger="RemoteStop", stopped_reason="Remote",
                                             meter=[energy(500, now_utc())]))
    with runtime.sessions() as s:
        tx = transactions.get_or_raise(s, transaction_id=tx_id)
        assert (tx.state, tx.stop_reason, tx.energy_wh) == ("ended", "Remote", 500)
    # An ended (or unknown) transaction cannot be named any more.
    with pytest.raises(InvalidInputError, match="not a running transaction"):
        await runtime.commands.send("CS1", cmd.RemoteStop(tx_id))


async def test_remote_stop_after_reconnect(runtime: Runtime, ocpp_url: str) -> None:
    """A transaction that started on an earlier connection can still be stopped."""
    seed(runtime, station_ids=("CS1",))
    cs = await RawStation201.connect(f"{ocpp_url}/CS1")
    await boot(cs)
    await cs.ok("TransactionEvent", tx_event("Started", 0, "old-1", now_utc(), evse=1,
                                             trigger="CablePluggedIn"))
    await cs.close()
    cs = await RawStation201.connect(f"{ocpp_url}/CS1")
    await cs.ok("Heartbeat", {})  # answered: the server serves (and has registered) this socket
    with runtime.sessions() as s:
        tx = transactions.active_on(s, station_id="CS1", evse_id=1)
        assert tx is not None
    trip = await roundtrip(runtime, cs, cmd.RemoteStop(tx.id), {"status": "Accepted"})
    assert trip.payload == {"transactionId": "old-1"}
    await cs.close()


async def test_availability_unlock_trigger(cs: RawStation201, runtime: Runtime) -> None:
    """TC_G_03..TC_G_05 ChangeAvailability (EVSE and station), TC_F_05 UnlockConnector,
    TC_F_?? TriggerMessage (1.6 names map, StatusNotification per connector)."""
    trip = await roundtrip(runtime, cs, cmd.ChangeAvailability(False, 2), {"status": "Scheduled"})
    assert trip.payload == {"operationalStatus": "Inoperative", "evse": {"id": 2}}
    assert trip.record.outcome == "accepted"
    trip = await roundtrip(runtime, cs, cmd.ChangeAvailability(True), {"status": "Accepted"})
    assert trip.payload == {"operationalStatus": "Operative"}
    trip = await roundtrip(runtime, cs, cmd.UnlockConnector(1), {"status": "Unlocked"})
    assert trip.payload == {"evseId": 1, "connectorId": 1} and trip.record.outcome == "accepted"
    trip = await roundtrip(runtime, cs, cmd.TriggerMessage("StatusNotification", 1),
                           {"status": "Accepted"})
    assert trip.payload == {"requestedMessage": "StatusNotification",
                            "evse": {"id": 1, "connectorId": 1}}
    trip = await roundtrip(runtime, cs, cmd.TriggerMessage("DiagnosticsStatusNotification"),
                           {"status": "Accepted"})
    assert trip.payload == {"requestedMessage": "LogStatusNotification"}
    with pytest.raises(InvalidInputError):
        await runtime.commands.send("CS1", cmd.TriggerMessage("Nonsense"))


async def test_reservation(cs: RawStation201, runtime: Runtime) -> None:
    """TC_H_01/TC_H_07..: ReserveNow, ReservationStatusUpdate, CancelReservation."""
    expiry = datetime(2027, 5, 1, 12, 0, tzinfo=UTC)
    trip = await roundtrip(runtime, cs, cmd.ReserveNow(11, 1, "TAG1", expiry, "GROUP"),
                           {"status": "Accepted"})
    assert trip.payload == {"id": 11, "expiryDateTime": "2027-05-01T12:00:00.000Z",
                            "idToken": {"idToken": "TAG1", "type": "ISO14443"}, "evseId": 1,
                            "groupIdToken": {"idToken": "GROUP", "type": "ISO14443"}}
    await cs.ok("ReservationStatusUpdate", {"reservationId": 11,
                                            "reservationUpdateStatus": "Expired"})
    assert events(runtime, "ReservationStatusUpdate") == [{"reservationId": 11,
                                                           "status": "Expired"}]
    trip = await roundtrip(runtime, cs, cmd.CancelReservation(11), {"status": "Rejected"})
    assert trip.payload == {"reservationId": 11} and trip.record.outcome == "rejected"
    # A transaction started on the reservation keeps its id.
    await cs.ok("TransactionEvent", tx_event("Started", 0, "res-1", now_utc(), evse=1,
                                             token="TAG1", trigger="Authorized",
                                             reservationId=11))
    with runtime.sessions() as s:
        tx = transactions.active_on(s, station_id="CS1", evse_id=1)
        assert tx is not None and tx.reservation_id == 11


async def test_data_transfer_both_ways(cs: RawStation201, runtime: Runtime) -> None:
    """TC_P_01/TC_P_02-style: unknown vendor from the station; ours passed through."""
    reply = await cs.ok("DataTransfer", {"vendorId": "acme", "messageId": "m", "data": {"a": 1}})
    assert reply == {"status": "UnknownVendorId"}
    assert events(runtime, "DataTransfer") == [{"vendorId": "acme", "messageId": "m",
                                                "data": {"a": 1}}]
    trip = await roundtrip(runtime, cs, cmd.DataTransfer("us", "hello", "x"),
                           {"status": "Accepted", "data": "y"})
    assert trip.payload == {"vendorId": "us", "messageId": "hello", "data": "x"}
    assert trip.result.data == {"data": "y"}
