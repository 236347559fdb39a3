"""OCA 2.0.1 CSMS test cases: smart charging (K), firmware (L), diagnostics/log (N) — the
neutral profile and maintenance commands as a 2.0.1 station receives them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chargegrid.domain import commands as cmd
from chargegrid.errors import InvalidInputError
from chargegrid.runtime import Runtime
from chargegrid.services import transactions
from chargegrid.store.models import Station
from tests.ocpp201.conftest import events, roundtrip
from tests.ocpp201.peer import RawStation201, now_utc, tx_event

VALID_FROM = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)
VALID_TO = datetime(2026, 6, 2, 0, 0, tzinfo=UTC)


async def _running(cs: RawStation201, runtime: Runtime, uid: str = "sc-1") -> int:
    await cs.ok("TransactionEvent", tx_event("Started", 0, uid, now_utc(), evse=1,
                                             token="TAG1", trigger="Authorized"))
    with runtime.sessions() as s:
        tx = transactions.active_on(s, station_id="CS1", evse_id=1)
        assert tx is not None
        return tx.id


async def test_tx_profile_with_validity_names_the_station_transaction(
    cs: RawStation201, runtime: Runtime
) -> None:
    """TC_K_01/TC_K_?: a TxProfile with validity for our transaction id reaches the station
    with its own transactionId; chargingSchedule is a list with the profile id."""
    tx_id = await _running(cs, runtime)
    profile = cmd.ChargingProfile(
        5, 1, "TxProfile", "Absolute", "A", (cmd.SchedulePeriod(0, 16.04, 3),
                                             cmd.SchedulePeriod(600, 10.0, 3)),
        valid_from=VALID_FROM, valid_to=VALID_TO, start_schedule=VALID_FROM,
        transaction_id=tx_id)
    trip = await roundtrip(runtime, cs, cmd.SetChargingProfile(1, profile),
                           {"status": "Accepted"})
    assert trip.action == "SetChargingProfile"
    assert trip.payload == {"evseId": 1, "chargingProfile": {
        "id": 5, "stackLevel": 1, "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Absolute", "validFrom": "2026-06-01T00:00:00.000Z",
        "validTo": "2026-06-02T00:00:00.000Z", "transactionId": "sc-1",
        "chargingSchedule": [{"id": 5, "chargingRateUnit": "A",
                              "startSchedule": "2026-06-01T00:00:00.000Z",
                              "chargingSchedulePeriod": [
                                  {"startPeriod": 0, "limit": 16.0, "numberPhases": 3},
                                  {"startPeriod": 600, "limit": 10.0, "numberPhases": 3}]}]}}
    # A TxProfile must name a transaction in 2.0.1.
    with pytest.raises(InvalidInputError, match="needs one"):
        await runtime.commands.send("CS1", cmd.SetChargingProfile(1, cmd.ChargingProfile(
            6, 1, "TxProfile", "Absolute", "A", (cmd.SchedulePeriod(0, 6.0),))))


async def test_fallback_profiles_and_phase_to_use(cs: RawStation201, runtime: Runtime) -> None:
    """TC_K_?: TxDefaultProfile per EVSE and ChargingStationMaxProfile on EVSE 0 (the 1.6
    ChargePointMaxProfile); numberPhases 1 with phaseToUse for a phase-switching station."""
    default = cmd.ChargingProfile(
        7, 0, "TxDefaultProfile", "Recurring", "W",
        (cmd.PhasedSchedulePeriod(0, 3680.0, 1, 2),), recurrency="Daily",
        start_schedule=VALID_FROM, duration_s=86400)
    trip = await roundtrip(runtime, cs, cmd.SetChargingProfile(1, default),
                           {"status": "Accepted"})
    sent = trip.payload["chargingProfile"]
    assert (sent["chargingProfilePurpose"], sent["recurrencyKind"]) == ("TxDefaultProfile",
                                                                        "Daily")
    assert sent["chargingSchedule"][0]["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 3680.0, "numberPhases": 1, "phaseToUse": 2}]
    station_max = cmd.ChargingProfile(8, 0, "ChargePointMaxProfile", "Absolute", "A",
                                      (cmd.SchedulePeriod(0, 32.0),), start_schedule=VALID_FROM)
    trip = await roundtrip(runtime, cs, cmd.SetChargingProfile(0, station_max),
                           {"status": "Accepted"})
    assert trip.payload["evseId"] == 0
    assert trip.payload["chargingProfile"]["chargingProfilePurpose"] == (
        "ChargingStationMaxProfile")
    with pytest.raises(InvalidInputError, match="phase_to_use"):
        await runtime.commands.send("CS1", cmd.SetChargingProfile(1, cmd.ChargingProfile(
            9, 0, "TxDefaultProfile", "Absolute", "A",
            (cmd.PhasedSchedulePeriod(0, 16.0, 3, 1),))))


async def test_clear_get_profiles_and_composite_schedule(cs: RawStation201,
                                                         runtime: Runtime) -> None:
    """TC_K_?: ClearChargingProfile by id and by criteria; GetChargingProfiles answered by
    ReportChargingProfiles; GetCompositeSchedule; NotifyChargingLimit recorded."""
    trip = await roundtrip(runtime, cs, cmd.ClearChargingProfile(profile_id=5),
                           {"status": "Accepted"})
    assert trip.payload == {"chargingProfileId": 5}
    trip = await roundtrip(runtime, cs, cmd.ClearChargingProfile(evse_id=1,
                                                                 purpose="TxDefaultProfile"),
                           {"status": "Unknown"})
    assert trip.payload == {"chargingProfileCriteria": {
        "evseId": 1, "chargingProfilePurpose": "TxDefaultProfile"}}
    assert trip.record.outcome == "rejected"
    trip = await roundtrip(runtime, cs, cmd.GetChargingProfiles(42, evse_id=1,
                                                                purpose="TxProfile"),
                           {"status": "Accepted"})
    assert trip.payload == {"requestId": 42, "evseId": 1,
                            "chargingProfile": {"chargingProfilePurpose": "TxProfile"}}
    reported = {"id": 5, "stackLevel": 1, "chargingProfilePurpose": "TxProfile",
                "chargingProfileKind": "Relative", "chargingSchedule": [{
                    "id": 1, "chargingRateUnit": "A",
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}]}]}
    await cs.ok("ReportChargingProfiles", {"requestId": 42, "chargingLimitSource": "CSO",
                                           "evseId": 1, "chargingProfile": [reported]})
    assert events(runtime, "ReportChargingProfiles")[0]["chargingProfile"] == [reported]
    trip = await roundtrip(runtime, cs, cmd.GetCompositeSchedule(1, 3600, "W"),
                           {"status": "Accepted", "schedule": {
                               "evseId": 1, "duration": 3600,
                               "scheduleStart": "2026-06-01T00:00:00Z",
                               "chargingRateUnit": "W",
                               "chargingSchedulePeriod": [{"startPeriod": 0,
                                                           "limit": 11000.0}]}})
    assert trip.payload == {"duration": 3600, "evseId": 1, "chargingRateUnit": "W"}
    assert trip.result.data["schedule"]["chargingSchedulePeriod"][0]["limit"] == 11000.0
    await cs.ok("NotifyChargingLimit", {"chargingLimit": {"chargingLimitSource": "EMS",
                                                          "isGridCritical": True}, "evseId": 1})
    assert events(runtime, "NotifyChargingLimit")[0]["chargingLimit"]["chargingLimitSource"] == (
        "EMS")


async def test_firmware_update_and_status(cs: RawStation201, runtime: Runtime) -> None:
    """TC_L_01-style: UpdateFirmware (requestId generated), FirmwareStatusNotification
    sets the station's firmware status like 1.6."""
    at = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
    trip = await roundtrip(runtime, cs, cmd.UpdateFirmware("https://fw.example/x.bin", at, 3, 60),
                           {"status": "Accepted"})
    assert trip.payload["firmware"] == {"location": "https://fw.example/x.bin",
                                        "retrieveDateTime": "2026-07-01T02:00:00.000Z"}
    assert (trip.payload["retries"], trip.payload["retryInterval"]) == (3, 60)
    request_id = trip.payload["requestId"]
    await cs.ok("FirmwareStatusNotification", {"status": "Downloading", "requestId": request_id})
    await cs.ok("FirmwareStatusNotification", {"status": "Installed", "requestId": request_id})
    with runtime.sessions() as s:
        station = s.get(Station, "CS1")
        assert station is not None and station.firmware_status == "Installed"


async def test_get_log_and_diagnostics(cs: RawStation201, runtime: Runtime) -> None:
    """TC_N_01-style: GetLog (and the 1.6 GetDiagnostics mapped onto it), LogStatusNotification
    giving the station's diagnostics status in the neutral words; SecurityEventNotification."""
    start = datetime(2026, 5, 1, tzinfo=UTC)
    trip = await roundtrip(runtime, cs, cmd.GetDiagnostics("ftp://logs.example/", start=start),
                           {"status": "Accepted", "filename": "diag.zip"})
    assert trip.action == "GetLog"
    assert trip.payload["logType"] == "DiagnosticsLog"
    assert trip.payload["log"] == {"remoteLocation": "ftp://logs.example/",
                                   "oldestTimestamp": "2026-05-01T00:00:00.000Z"}
    assert trip.result.data["file_name"] == "diag.zip"
    trip = await roundtrip(runtime, cs, cmd.GetLog("ftp://logs.example/", 77, "SecurityLog"),
                           {"status": "Accepted"})
    assert (trip.payload["requestId"], trip.payload["logType"]) == (77, "SecurityLog")
    await cs.ok("LogStatusNotification", {"status": "Uploading", "requestId": 77})
    await cs.ok("LogStatusNotification", {"status": "UploadFailure", "requestId": 77})
    with runtime.sessions() as s:
        station = s.get(Station, "CS1")
        assert station is not None and station.diagnostics_status == "UploadFailed"
    await cs.ok("SecurityEventNotification", {"type": "FirmwareUpdated",
                                              "timestamp": now_utc().isoformat()})
    assert events(runtime, "SecurityEventNotification")[0]["type"] == "FirmwareUpdated"
