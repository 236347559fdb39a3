"""OCA OCPP 1.6 CSMS test cases, Firmware Management profile: UpdateFirmware followed by the
station's FirmwareStatusNotification sequence, GetDiagnostics followed by
DiagnosticsStatusNotification; every status kept and the latest shown on the station."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chargegrid.domain.commands import GetDiagnostics, UpdateFirmware
from chargegrid.runtime import Runtime
from chargegrid.store.models import Station
from tests.helpers import RawStation
from tests.ocpp.conftest import boot, events, roundtrip


def _station(runtime: Runtime) -> Station:
    with runtime.sessions() as s:
        station = s.get(Station, "CP1")
        assert station is not None
        s.expunge(station)
        return station


@pytest.mark.parametrize(("case", "sequence"), [
    ("TC_044_1 download and install", ["Downloading", "Downloaded", "Installing", "Installed"]),
    ("TC_044_2 download failed", ["Downloading", "DownloadFailed"]),
    ("TC_044_3 installation failed", ["Downloading", "Downloaded", "Installing",
                                      "InstallationFailed"]),
])
async def test_tc_044_firmware_update(runtime: Runtime, cp: RawStation, case: str,
                                      sequence: list[str]) -> None:
    retrieve = datetime(2026, 8, 1, 2, 0, tzinfo=UTC)
    trip = await roundtrip(runtime, cp, UpdateFirmware(
        location="https://fw.example.com/acme-2.0.bin", retrieve_at=retrieve, retries=3,
        retry_interval_s=60), {})
    assert trip.action == "UpdateFirmware"
    assert trip.payload == {"location": "https://fw.example.com/acme-2.0.bin",
                            "retrieveDate": "2026-08-01T02:00:00.000Z", "retries": 3,
                            "retryInterval": 60}
    assert trip.result.status == "Accepted" and trip.record.outcome == "accepted"
    for state in sequence:
        reply = await cp.call("FirmwareStatusNotification", {"status": state})
        assert reply == [3, reply[1], {}]
    if sequence[-1] == "Installed":
        # The station reboots into the new firmware.
        await boot(cp)
    assert [e["status"] for e in events(runtime, "FirmwareStatusNotification")] == sequence
    assert _station(runtime).firmware_status == sequence[-1]


async def test_firmware_status_while_pending_is_accepted(runtime: Runtime, ocpp_url: str) -> None:
    from chargegrid.domain.stations import RegistrationStatus
    from chargegrid.services import stations
    from tests.helpers import seed

    seed(runtime)
    with runtime.sessions() as s:
        stations.update(s, station_id="CP1", registration_status=RegistrationStatus.PENDING)
        s.commit()
    cp = await RawStation.connect(f"{ocpp_url}/CP1")
    await boot(cp, "Pending")
    reply = await cp.call("FirmwareStatusNotification", {"status": "Idle"})
    assert reply[0] == 3
    await cp.close()


@pytest.mark.parametrize(("case", "sequence"), [
    ("TC_045_1 get diagnostics", ["Uploading", "Uploaded"]),
    ("TC_045_2 upload failed", ["Uploading", "UploadFailed"]),
])
async def test_tc_045_get_diagnostics(runtime: Runtime, cp: RawStation, case: str,
                                      sequence: list[str]) -> None:
    trip = await roundtrip(runtime, cp, GetDiagnostics(
        location="ftp://diag.example.com/upload/", retries=2, retry_interval_s=30,
        start=datetime(2026, 8, 1, tzinfo=UTC), stop=datetime(2026, 8, 2, tzinfo=UTC)),
        {"fileName": "CP1-diag.zip"})
    assert trip.action == "GetDiagnostics"
    assert trip.payload == {"location": "ftp://diag.example.com/upload/", "retries": 2,
                            "retryInterval": 30, "startTime": "2026-08-01T00:00:00.000Z",
                            "stopTime": "2026-08-02T00:00:00.000Z"}
    assert trip.result.data == {"file_name": "CP1-diag.zip"}
    assert trip.record.outcome == "accepted"
    for state in sequence:
        assert (await cp.call("DiagnosticsStatusNotification", {"status": state}))[0] == 3
    assert [e["status"] for e in events(runtime, "DiagnosticsStatusNotification")] == sequence
    assert _station(runtime).diagnostics_status == sequence[-1]


async def test_get_diagnostics_nothing_to_upload(runtime: Runtime, cp: RawStation) -> None:
    trip = await roundtrip(runtime, cp, GetDiagnostics(location="ftp://diag.example.com/"), {})
    assert trip.payload == {"location": "ftp://diag.example.com/"}
    assert trip.result.data == {} and trip.record.outcome == "accepted"


async def test_bad_firmware_status_is_refused(runtime: Runtime, cp: RawStation) -> None:
    reply = await cp.call("FirmwareStatusNotification", {"status": "Exploded"})
    assert reply[:3] == [4, reply[1], "PropertyConstraintViolation"]
    assert events(runtime, "FirmwareStatusNotification") == []
