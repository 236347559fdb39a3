"""OCA OCPP 1.6 CSMS test cases, Core profile: boot (Accepted/Pending/Rejected), regular and
remote sessions, resets, unlock, configuration, offline transactions, timestamps and the
connection rules (stale socket replaced, offline commands fail fast)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from chargegrid.domain.commands import (
    ChangeAvailability,
    ChangeConfiguration,
    ClearCache,
    GetConfiguration,
    RemoteStart,
    RemoteStop,
    Reset,
    UnlockConnector,
)
from chargegrid.domain.stations import RegistrationStatus
from chargegrid.errors import StationOfflineError
from chargegrid.runtime import Runtime
from chargegrid.services import stations, transactions
from chargegrid.store.models import (
    CommandRecord,
    Connector,
    Station,
    StationConfigurationKey,
    StatusRecord,
    Transaction,
    TransactionEvent,
)
from tests.helpers import RawStation, seed
from tests.ocpp.conftest import (
    boot,
    events,
    iso,
    now_utc,
    roundtrip,
    start_tx,
    status,
    stop_tx,
)


def _set_registration(runtime: Runtime, station_id: str, value: RegistrationStatus) -> None:
    with runtime.sessions() as s:
        stations.update(s, station_id=station_id, registration_status=value)
        s.commit()


# -- Cold boot ------------------------------------------------------------------------------

async def test_tc_001_cold_boot_accepted(runtime: Runtime, ocpp_url: str) -> None:
    seed(runtime)
    cp = await RawStation.connect(f"{ocpp_url}/CP1")
    answer = await boot(cp)
    assert answer["interval"] == runtime.settings.heartbeat_interval_s
    beat = await cp.call("Heartbeat", {})
    assert beat[0] == 3 and beat[2]["currentTime"].endswith("Z")
    await status(cp, 0, "Available")
    await status(cp, 1, "Available")
    await cp.close()
    with runtime.sessions() as s:
        station = s.get(Station, "CP1")
        assert station is not None
        assert (station.vendor, station.model, station.ocpp_version) == ("ACME", "OCTT-1", "1.6")
        assert station.status == "Available" and station.last_boot_at is not None
        connector = s.scalars(select(Connector).where(Connector.station_id == "CP1")).one()
        assert (connector.evse_id, connector.status) == (1, "Available")


async def test_tc_002_cold_boot_pending_then_accepted(runtime: Runtime, ocpp_url: str) -> None:
    seed(runtime)
    _set_registration(runtime, "CP1", RegistrationStatus.PENDING)
    cp = await RawStation.connect(f"{ocpp_url}/CP1")
    await boot(cp, "Pending")
    # While Pending the station may only introduce itself; transactions are refused.
    assert (await cp.call("Heartbeat", {}))[0] == 3
    await status(cp, 1, "Available")
    refused = await cp.call("StartTransaction", {"connectorId": 1, "idTag": "TAG1",
                                                 "meterStart": 0,
                                                 "timestamp": iso(now_utc())})
    assert refused[:3] == [4, refused[1], "SecurityError"]
    # The central system may configure a Pending station (that is what Pending is for).
    trip = await roundtrip(runtime, cp, GetConfiguration(keys=("HeartbeatInterval",)),
                           {"configurationKey": [{"key": "HeartbeatInterval",
                                                  "readonly": False, "value": "60"}]})
    assert trip.record.outcome == "accepted"
    _set_registration(runtime, "CP1", RegistrationStatus.ACCEPTED)
    await boot(cp, "Accepted")
    await start_tx(cp)
    await cp.close()
    with runtime.sessions() as s:
        assert s.query(Transaction).count() == 1


async def test_cold_boot_rejected(runtime: Runtime, ocpp_url: str) -> None:
    seed(runtime)
    _set_registration(runtime, "CP1", RegistrationStatus.REJECTED)
    cp = await RawStation.connect(f"{ocpp_url}/CP1")
    answer = await boot(cp, "Rejected")
    assert answer["interval"] > 0
    for action, payload in (("Heartbeat", {}),
                            ("StatusNotification", {"connectorId": 0, "errorCode": "NoError",
                                                    "status": "Available"})):
        reply = await cp.call(action, payload)
        assert reply[:3] == [4, reply[1], "SecurityError"]
    await cp.close()
    with runtime.sessions() as s:
        assert s.query(StatusRecord).count() == 0


# -- Charging sessions ----------------------------------------------------------------------

@pytest.mark.parametrize(("case", "reason"), [("TC_003 plug-in first", "Local"),
                                              ("TC_004_1 identification first", "Local"),
                                              ("TC_005_1 EV side disconnected",
                                               "EVDisconnected")])
async def test_tc_003_004_005_regular_charging_session(runtime: Runtime, cp: RawStation,
                                                       case: str, reason: str) -> None:
    if case.startswith("TC_003"):
        await status(cp, 1, "Preparing")
        auth = await cp.call("Authorize", {"idTag": "TAG1"})
    else:
        auth = await cp.call("Authorize", {"idTag": "TAG1"})
        await status(cp, 1, "Preparing")
    assert auth[2] == {"idTagInfo": {"status": "Accepted"}}
    started = await start_tx(cp, meter=100)
    assert started["idTagInfo"]["status"] == "Accepted"
    await status(cp, 1, "Charging")
    tx_id = started["transactionId"]
    mv = await cp.call("MeterValues", {"connectorId": 1, "transactionId": tx_id, "meterValue": [
        {"timestamp": iso(now_utc()), "sampledValue": [{"value": "600", "unit": "Wh"}]}]})
    assert mv[0] == 3
    if reason == "EVDisconnected":
        await status(cp, 1, "SuspendedEV")
    stopped = await stop_tx(cp, tx_id, meter=1100, idTag="TAG1", reason=reason)
    assert stopped["idTagInfo"]["status"] == "Accepted"
    await status(cp, 1, "Finishing")
    await status(cp, 1, "Available")
    with runtime.sessions() as s:
        tx = s.get(Transaction, tx_id)
        assert tx is not None
        assert (tx.state, tx.energy_wh, tx.stop_reason) == ("ended", 1000, reason)
        connector = s.scalars(select(Connector)).one()
        assert connector.status == "Available"


async def test_tc_010_011_remote_start(runtime: Runtime, cp: RawStation) -> None:
    trip = await roundtrip(runtime, cp, RemoteStart(id_tag="TAG1", evse_id=1),
                           {"status": "Accepted"})
    assert trip.action == "RemoteStartTransaction"
    assert trip.payload == {"idTag": "TAG1", "connectorId": 1}
    assert trip.result.status == "Accepted" and trip.record.outcome == "accepted"
    assert trip.record.response == {"status": "Accepted", "data": {}}
    started = await start_tx(cp)
    assert started["idTagInfo"]["status"] == "Accepted"


async def test_tc_026_remote_start_rejected(runtime: Runtime, cp: RawStation) -> None:
    trip = await roundtrip(runtime, cp, RemoteStart(id_tag="TAG1", evse_id=1),
                           {"status": "Rejected"})
    assert trip.result.status == "Rejected" and trip.record.outcome == "rejected"


async def test_tc_027_remote_start_without_connector(runtime: Runtime, cp: RawStation) -> None:
    trip = await roundtrip(runtime, cp, RemoteStart(id_tag="TAG1"), {"status": "Accepted"})
    # No connectorId at all (never 0): the station picks one.
    assert trip.payload == {"idTag": "TAG1"}


async def test_tc_012_remote_stop(runtime: Runtime, cp: RawStation) -> None:
    tx_id = (await start_tx(cp))["transactionId"]
    trip = await roundtrip(runtime, cp, RemoteStop(transaction_id=tx_id), {"status": "Accepted"})
    assert (trip.action, trip.payload) == ("RemoteStopTransaction", {"transactionId": tx_id})
    assert trip.record.outcome == "accepted"
    await stop_tx(cp, tx_id, reason="Remote")
    with runtime.sessions() as s:
        tx = s.get(Transaction, tx_id)
        assert tx is not None and (tx.state, tx.stop_reason) == ("ended", "Remote")


async def test_tc_028_remote_stop_rejected(runtime: Runtime, cp: RawStation) -> None:
    trip = await roundtrip(runtime, cp, RemoteStop(transaction_id=4242), {"status": "Rejected"})
    assert trip.record.outcome == "rejected"


# -- Reset ----------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["Hard", "Soft"])
async def test_tc_013_014_reset_without_transaction(runtime: Runtime, ocpp_url: str,
                                                    cp: RawStation, kind: str) -> None:
    trip = await roundtrip(runtime, cp, Reset(kind=kind), {"status": "Accepted"})  # type: ignore[arg-type]
    assert (trip.action, trip.payload) == ("Reset", {"type": kind})
    assert trip.record.outcome == "accepted"
    # The station reboots: a new connection and a new boot.
    await cp.close()
    again = await RawStation.connect(f"{ocpp_url}/CP1")
    await boot(again)
    await status(again, 1, "Available")
    await again.close()


async def test_tc_015_016_reset_with_transaction(runtime: Runtime, cp: RawStation) -> None:
    tx_id = (await start_tx(cp))["transactionId"]
    trip = await roundtrip(runtime, cp, Reset(kind="Soft"), {"status": "Accepted"})
    assert trip.record.outcome == "accepted"
    await stop_tx(cp, tx_id, reason="SoftReset")
    await boot(cp)
    with runtime.sessions() as s:
        tx = s.get(Transaction, tx_id)
        assert tx is not None and tx.stop_reason == "SoftReset"


async def test_reset_rejected(runtime: Runtime, cp: RawStation) -> None:
    trip = await roundtrip(runtime, cp, Reset(kind="Hard"), {"status": "Rejected"})
    assert trip.record.outcome == "rejected"


# -- Unlock, availability, cache --------------------------------------------------------------

@pytest.mark.parametrize(("case", "answer", "outcome"), [
    ("TC_017_1 unlocked", "Unlocked", "accepted"),
    ("TC_030 unlock failure", "UnlockFailed", "rejected"),
    ("TC_031 unknown connector", "NotSupported", "rejected"),
])
async def test_tc_017_030_031_unlock_connector(runtime: Runtime, cp: RawStation, case: str,
                                               answer: str, outcome: str) -> None:
    trip = await roundtrip(runtime, cp, UnlockConnector(evse_id=1), {"status": answer})
    assert (trip.action, trip.payload) == ("UnlockConnector", {"connectorId": 1})
    assert trip.result.status == answer and trip.record.outcome == outcome


@pytest.mark.parametrize(("operative", "answer", "outcome"), [
    (False, "Accepted", "accepted"), (True, "Scheduled", "accepted"),
    (False, "Rejected", "rejected")])
async def test_change_availability(runtime: Runtime, cp: RawStation, operative: bool,
                                   answer: str, outcome: str) -> None:
    trip = await roundtrip(runtime, cp, ChangeAvailability(operative=operative, evse_id=0),
                           {"status": answer})
    assert trip.payload == {"connectorId": 0,
                            "type": "Operative" if operative else "Inoperative"}
    assert trip.record.outcome == outcome


async def test_tc_061_clear_cache(runtime: Runtime, cp: RawStation) -> None:
    trip = await roundtrip(runtime, cp, ClearCache(), {"status": "Accepted"})
    assert (trip.action, trip.payload, trip.record.outcome) == ("ClearCache", {}, "accepted")


# -- Configuration --------------------------------------------------------------------------

def _stored_config(runtime: Runtime) -> dict[str, tuple[str | None, bool]]:
    with runtime.sessions() as s:
        return {row.key: (row.value, row.readonly)
                for row in s.scalars(select(StationConfigurationKey))}


async def test_tc_019_1_retrieve_all_configuration_keys(runtime: Runtime,
                                                         cp: RawStation) -> None:
    keys = [{"key": "HeartbeatInterval", "readonly": False, "value": "60"},
            {"key": "NumberOfConnectors", "readonly": True, "value": "2"},
            {"key": "AuthorizeRemoteTxRequests", "readonly": False, "value": "true"}]
    trip = await roundtrip(runtime, cp, GetConfiguration(), {"configurationKey": keys})
    assert (trip.action, trip.payload) == ("GetConfiguration", {})
    assert trip.record.outcome == "accepted"
    assert _stored_config(runtime) == {"HeartbeatInterval": ("60", False),
                                       "NumberOfConnectors": ("2", True),
                                       "AuthorizeRemoteTxRequests": ("true", False)}


async def test_tc_019_2_retrieve_specific_configuration_key(runtime: Runtime,
                                                             cp: RawStation) -> None:
    trip = await roundtrip(runtime, cp, GetConfiguration(keys=("MeterValueSampleInterval",
                                                               "NoSuchKey")),
                           {"configurationKey": [{"key": "MeterValueSampleInterval",
                                                  "readonly": False, "value": "30"}],
                            "unknownKey": ["NoSuchKey"]})
    assert trip.payload == {"key": ["MeterValueSampleInterval", "NoSuchKey"]}
    assert trip.result.data["unknown_key"] == ["NoSuchKey"]
    assert _stored_config(runtime) == {"MeterValueSampleInterval": ("30", False)}


async def test_tc_021_change_configuration(runtime: Runtime, cp: RawStation) -> None:
    trip = await roundtrip(runtime, cp, ChangeConfiguration(key="MeterValueSampleInterval",
                                                            value="15"), {"status": "Accepted"})
    assert trip.payload == {"key": "MeterValueSampleInterval", "value": "15"}
    assert trip.record.outcome == "accepted"
    assert _stored_config(runtime) == {"MeterValueSampleInterval": ("15", False)}
    reboot = await roundtrip(runtime, cp, ChangeConfiguration(key="WebSocketPingInterval",
                                                              value="10"),
                             {"status": "RebootRequired"})
    assert reboot.record.outcome == "rejected"  # not applied until the station reboots


@pytest.mark.parametrize(("case", "answer"), [("TC_040_1 not supported", "NotSupported"),
                                              ("TC_040_2 invalid value", "Rejected"),
                                              ("readonly key", "Rejected")])
async def test_tc_040_change_configuration_refused(runtime: Runtime, cp: RawStation,
                                                   case: str, answer: str) -> None:
    await roundtrip(runtime, cp, GetConfiguration(keys=("NumberOfConnectors",)),
                    {"configurationKey": [{"key": "NumberOfConnectors", "readonly": True,
                                           "value": "2"}]})
    key, value = {"TC_040_1 not supported": ("VendorFrobnicate", "1"),
                  "TC_040_2 invalid value": ("MeterValueSampleInterval", "-7"),
                  "readonly key": ("NumberOfConnectors", "4")}[case]
    trip = await roundtrip(runtime, cp, ChangeConfiguration(key=key, value=value),
                           {"status": answer})
    assert trip.result.status == answer and trip.record.outcome == "rejected"
    # What we keep of the station's configuration is untouched by a refused change.
    assert _stored_config(runtime) == {"NumberOfConnectors": ("2", True)}


# -- Data transfer --------------------------------------------------------------------------

async def test_tc_064_data_transfer_to_central_system(runtime: Runtime, cp: RawStation) -> None:
    reply = await cp.call("DataTransfer", {"vendorId": "com.acme", "messageId": "hello",
                                           "data": "{\"x\":1}"})
    assert reply[2] == {"status": "UnknownVendorId"}
    assert events(runtime, "DataTransfer") == [{"vendorId": "com.acme", "messageId": "hello",
                                                "data": "{\"x\":1}"}]


# -- Offline transactions -------------------------------------------------------------------

async def test_tc_037_1_offline_start_transaction(runtime: Runtime, cp: RawStation) -> None:
    started_at = now_utc().replace(microsecond=0) - timedelta(hours=2)
    tx_id = (await start_tx(cp, at=started_at))["transactionId"]
    with runtime.sessions() as s:
        tx = s.get(Transaction, tx_id)
        assert tx is not None and tx.started_at == started_at
        event = s.scalars(select(TransactionEvent)
                          .where(TransactionEvent.transaction_id == tx_id)).one()
        assert event.offline


async def test_tc_037_3_offline_start_transaction_invalid(runtime: Runtime,
                                                          cp: RawStation) -> None:
    # The tag was accepted offline but is unknown to us: the station must still get a
    # transaction id (so it can stop the session) and the verdict Invalid.
    started = await start_tx(cp, tag="STRANGER", at=now_utc() - timedelta(minutes=30))
    assert started["idTagInfo"]["status"] == "Invalid" and started["transactionId"] > 0
    stopped = await stop_tx(cp, started["transactionId"], reason="DeAuthorized")
    assert stopped == {} or "idTagInfo" in stopped


async def test_tc_038_offline_stop_transaction(runtime: Runtime, cp: RawStation) -> None:
    tx_id = (await start_tx(cp, meter=0))["transactionId"]
    stopped_at = now_utc().replace(microsecond=0) - timedelta(minutes=10)
    await stop_tx(cp, tx_id, meter=5000, at=stopped_at, idTag="TAG1", reason="Local")
    with runtime.sessions() as s:
        tx = s.get(Transaction, tx_id)
        assert tx is not None and tx.stopped_at == stopped_at and tx.energy_wh == 5000
        ended = s.scalars(select(TransactionEvent).where(
            TransactionEvent.transaction_id == tx_id,
            TransactionEvent.event_type == "Ended")).one()
        assert ended.offline


async def test_tc_039_offline_transactions_delivered_late_in_order(runtime: Runtime,
                                                                   cp: RawStation) -> None:
    """Two sessions buffered offline arrive newest first, in local offsets: stored as UTC
    and listed by the station's own start time."""
    base = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    newer = await start_tx(cp, connector=2, tag="TAG1", meter=900,
                           at=(base + timedelta(hours=3)).astimezone(timezone(timedelta(hours=2))))
    await stop_tx(cp, newer["transactionId"], meter=1900,
                  at=base + timedelta(hours=4))
    older = await start_tx(cp, connector=1, tag="TAG1", meter=0,
                           at=base.astimezone(timezone(timedelta(hours=-5))))
    await stop_tx(cp, older["transactionId"], meter=800, at=base + timedelta(hours=1))
    with runtime.sessions() as s:
        listed = transactions.list_filtered(s, station_id="CP1")
        assert [t.id for t in listed] == [newer["transactionId"], older["transactionId"]]
        assert listed[1].started_at == base and listed[0].started_at == base + timedelta(hours=3)
        assert all(t.state == "ended" for t in listed)


# -- Timestamps -----------------------------------------------------------------------------

async def test_received_timestamps_in_any_offset_are_stored_as_utc(runtime: Runtime,
                                                                   cp: RawStation) -> None:
    await status(cp, 1, "Preparing", timestamp="2026-06-01T17:30:00+05:30")
    tx_id = (await start_tx(cp, at=datetime.fromisoformat("2026-06-01T09:00:00-03:00")))[
        "transactionId"]
    await stop_tx(cp, tx_id, at=datetime.fromisoformat("2026-06-01T12:30:00.250Z"))
    with runtime.sessions() as s:
        record = s.scalars(select(StatusRecord)).one()
        assert record.timestamp == datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
        tx = s.get(Transaction, tx_id)
        assert tx is not None
        assert tx.started_at == datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
        assert tx.stopped_at == datetime(2026, 6, 1, 12, 30, 0, 250000, tzinfo=UTC)
        assert tx.started_at.utcoffset() == timedelta(0)


async def test_sent_timestamps_are_utc_with_z(runtime: Runtime, ocpp_url: str) -> None:
    seed(runtime)
    with runtime.sessions() as s:
        from chargegrid.services import id_tokens

        id_tokens.create(s, token="DATED", now=runtime.clock.now(),
                         expires_at=datetime.fromisoformat("2030-01-01T10:00:00+02:00"))
        s.commit()
    cp = await RawStation.connect(f"{ocpp_url}/CP1")
    boot_answer = await boot(cp)
    assert boot_answer["currentTime"].endswith("Z")
    auth = await cp.call("Authorize", {"idTag": "DATED"})
    assert auth[2]["idTagInfo"] == {"status": "Accepted",
                                    "expiryDate": "2030-01-01T08:00:00.000Z"}
    await cp.close()


# -- Connections ----------------------------------------------------------------------------

async def test_reconnect_replaces_stale_socket(runtime: Runtime, ocpp_url: str) -> None:
    seed(runtime)
    stale = await RawStation.connect(f"{ocpp_url}/CP1")
    await boot(stale)
    fresh = await RawStation.connect(f"{ocpp_url}/CP1")
    await boot(fresh)
    # The stale socket is closed by the server; commands reach the new one.
    await asyncio.wait_for(stale.ws.wait_closed(), 5)
    trip = await roundtrip(runtime, fresh, ClearCache(), {"status": "Accepted"})
    assert trip.record.outcome == "accepted"
    assert runtime.registry.is_connected("CP1")
    with runtime.sessions() as s:
        station = s.get(Station, "CP1")
        assert station is not None and station.connected
    await fresh.close()


async def test_command_to_offline_station_fails_fast(runtime: Runtime, ocpp_url: str) -> None:
    seed(runtime)
    began = time.monotonic()
    with pytest.raises(StationOfflineError, match="not connected"):
        await runtime.commands.send("CP1", Reset(kind="Soft"))
    assert time.monotonic() - began < 1.0  # not the 5 s command timeout
    # A station that drops while a command waits fails that command at once too.
    cp = await RawStation.connect(f"{ocpp_url}/CP1")
    await boot(cp)
    task = asyncio.create_task(runtime.commands.send("CP1", Reset(kind="Hard")))
    await cp.next_call()
    began = time.monotonic()
    await cp.close()
    with pytest.raises(StationOfflineError, match="disconnected"):
        await task
    assert time.monotonic() - began < 1.0
    with runtime.sessions() as s:
        outcomes = s.scalars(select(CommandRecord.outcome).order_by(CommandRecord.id)).all()
        assert outcomes == ["offline", "offline"]
