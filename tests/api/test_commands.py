"""Every command over REST against a bare 1.6 peer: the CALL it sends, the answer it returns,
and the command_log row it leaves; plus offline, timeout, CALLERROR and bad input."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from chargegrid.runtime import Runtime
from chargegrid.store.models import CommandRecord
from tests.helpers import RawStation, seed

BASE = "/api/v1/stations/CP1/commands"
PROFILE = {"profile_id": 7, "stack_level": 1, "purpose": "TxDefaultProfile",
           "kind": "Absolute", "unit": "A",
           "periods": [{"start_s": 0, "limit": 16}, {"start_s": 600, "limit": 10.04}]}

# (path, body, OCPP action, expected request subset, station answer, expected status)
CASES: list[tuple[str, dict[str, Any] | None, str, dict[str, Any], dict[str, Any], str]] = [
    ("remote-start", {"id_tag": "TAG1", "evse_id": 1}, "RemoteStartTransaction",
     {"idTag": "TAG1", "connectorId": 1}, {"status": "Accepted"}, "Accepted"),
    ("remote-stop", {"transaction_id": 42}, "RemoteStopTransaction", {"transactionId": 42},
     {"status": "Rejected"}, "Rejected"),
    ("reset", {"kind": "Hard"}, "Reset", {"type": "Hard"}, {"status": "Accepted"}, "Accepted"),
    ("unlock", {"evse_id": 2}, "UnlockConnector", {"connectorId": 2},
     {"status": "Unlocked"}, "Unlocked"),
    ("change-availability", {"operative": False, "evse_id": 1}, "ChangeAvailability",
     {"connectorId": 1, "type": "Inoperative"}, {"status": "Scheduled"}, "Scheduled"),
    ("get-configuration", {"keys": ["HeartbeatInterval"]}, "GetConfiguration",
     {"key": ["HeartbeatInterval"]},
     {"configurationKey": [{"key": "HeartbeatInterval", "readonly": False, "value": "60"}]},
     "Accepted"),
    ("change-configuration", {"key": "HeartbeatInterval", "value": "120"},
     "ChangeConfiguration", {"key": "HeartbeatInterval", "value": "120"},
     {"status": "Accepted"}, "Accepted"),
    ("clear-cache", None, "ClearCache", {}, {"status": "Accepted"}, "Accepted"),
    ("trigger-message", {"message": "StatusNotification", "evse_id": 1}, "TriggerMessage",
     {"requestedMessage": "StatusNotification", "connectorId": 1},
     {"status": "Accepted"}, "Accepted"),
    ("send-local-list", {"version": 3, "update_type": "Full",
                         "entries": [{"id_tag": "TAG1", "status": "Accepted"}]},
     "SendLocalList", {"listVersion": 3, "updateType": "Full",
                       "localAuthorizationList": [{"idTag": "TAG1",
                                                   "idTagInfo": {"status": "Accepted"}}]},
     {"status": "Accepted"}, "Accepted"),
    ("get-local-list-version", None, "GetLocalListVersion", {}, {"listVersion": 3},
     "Accepted"),
    ("reserve-now", {"reservation_id": 5, "evse_id": 1, "id_tag": "TAG1",
                     "expiry": "2030-01-01T12:00:00+01:00"}, "ReserveNow",
     {"reservationId": 5, "connectorId": 1, "idTag": "TAG1",
      "expiryDate": "2030-01-01T11:00:00.000Z"}, {"status": "Occupied"}, "Occupied"),
    ("cancel-reservation", {"reservation_id": 5}, "CancelReservation", {"reservationId": 5},
     {"status": "Accepted"}, "Accepted"),
    ("set-charging-profile", {"evse_id": 1, "profile": PROFILE}, "SetChargingProfile",
     {"connectorId": 1, "csChargingProfiles": {
         "chargingProfileId": 7, "stackLevel": 1, "chargingProfilePurpose": "TxDefaultProfile",
         "chargingProfileKind": "Absolute", "chargingSchedule": {
             "chargingRateUnit": "A", "chargingSchedulePeriod": [
                 {"startPeriod": 0, "limit": 16.0}, {"startPeriod": 600, "limit": 10.0}]}}},
     {"status": "Accepted"}, "Accepted"),
    ("clear-charging-profile", {"profile_id": 7}, "ClearChargingProfile", {"id": 7},
     {"status": "Unknown"}, "Unknown"),
    ("get-composite-schedule", {"evse_id": 1, "duration_s": 3600, "unit": "W"},
     "GetCompositeSchedule", {"connectorId": 1, "duration": 3600, "chargingRateUnit": "W"},
     {"status": "Accepted", "connectorId": 1}, "Accepted"),
    ("update-firmware", {"location": "https://fw.example.org/x.bin",
                         "retrieve_at": "2030-01-01T00:00:00Z", "retries": 2},
     "UpdateFirmware", {"location": "https://fw.example.org/x.bin", "retries": 2,
                        "retrieveDate": "2030-01-01T00:00:00.000Z"}, {}, "Accepted"),
    ("get-diagnostics", {"location": "ftp://logs.example.org/"}, "GetDiagnostics",
     {"location": "ftp://logs.example.org/"}, {"fileName": "diag.zip"}, "Accepted"),
    ("data-transfer", {"vendor_id": "com.acme", "message_id": "ping", "data": "{\"a\":1}"},
     "DataTransfer", {"vendorId": "com.acme", "messageId": "ping", "data": "{\"a\":1}"},
     {"status": "Accepted", "data": "pong"}, "Accepted"),
]


async def _connected(runtime: Runtime, ocpp_url: str) -> RawStation:
    seed(runtime)
    cp = await RawStation.connect(f"{ocpp_url}/CP1")
    await cp.call("BootNotification", {"chargePointVendor": "ACME", "chargePointModel": "X"})
    return cp


def _log(runtime: Runtime) -> list[CommandRecord]:
    with runtime.sessions() as s:
        return list(s.scalars(select(CommandRecord).order_by(CommandRecord.id)))


def test_every_command_is_covered() -> None:
    from chargegrid.api.routes.commands import router
    posted = {r.path.rsplit("/", 1)[1] for r in router.routes  # type: ignore[attr-defined]
              if "POST" in r.methods}  # type: ignore[attr-defined]
    assert posted == {case[0] for case in CASES} and len(posted) == 19


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
async def test_command_round_trip(case: tuple[Any, ...], client: httpx.AsyncClient,
                                  runtime: Runtime, ocpp_url: str) -> None:
    path, body, action, expected, answer, status = case
    cp = await _connected(runtime, ocpp_url)
    kwargs: dict[str, Any] = {} if body is None else {"json": body}
    request = asyncio.create_task(client.post(f"{BASE}/{path}", **kwargs))
    call = await cp.next_call()
    assert call[2] == action
    assert {k: call[3].get(k) for k in expected} == expected, call[3]
    await cp.answer(call[1], answer)
    response = await request
    await cp.close()
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["status"] == status
    (row,) = _log(runtime)
    assert result["command_id"] == row.id
    assert row.requested_by == "admin@example.org" and row.completed_at is not None
    assert row.outcome in {"accepted", "rejected"} and row.response is not None
    log = await client.get(BASE)
    assert log.json()[0]["id"] == row.id and log.json()[0]["completed_at"].endswith("Z")


async def test_results_carry_the_station_data(client: httpx.AsyncClient, runtime: Runtime,
                                              ocpp_url: str) -> None:
    cp = await _connected(runtime, ocpp_url)
    request = asyncio.create_task(client.post(f"{BASE}/data-transfer",
                                              json={"vendor_id": "com.acme"}))
    call = await cp.next_call()
    await cp.answer(call[1], {"status": "Accepted", "data": "pong"})
    assert (await request).json()["data"] == {"data": "pong"}
    await cp.close()


async def test_offline_station_fails_fast_and_is_recorded(client: httpx.AsyncClient,
                                                          runtime: Runtime) -> None:
    seed(runtime)
    started = time.monotonic()
    response = await client.post(f"{BASE}/reset", json={})
    assert time.monotonic() - started < 2
    assert response.status_code == 409 and response.json()["error"] == "station_offline"
    (row,) = _log(runtime)
    assert row.outcome == "offline" and row.completed_at is not None


async def test_timeout_is_504(client: httpx.AsyncClient, runtime: Runtime,
                              ocpp_url: str) -> None:
    cp = await _connected(runtime, ocpp_url)
    response = await client.post(f"{BASE}/reset", params={"timeout_s": 1}, json={})
    assert response.status_code == 504 and response.json()["error"] == "command_timeout"
    (row,) = _log(runtime)
    assert row.outcome == "timeout"
    body_timeout = asyncio.create_task(client.post(f"{BASE}/clear-cache",
                                                   params={"timeout_s": 60},
                                                   json={"timeout_s": 1}))
    assert (await body_timeout).status_code == 504  # the body's timeout wins
    await cp.close()


async def test_callerror_is_502(client: httpx.AsyncClient, runtime: Runtime,
                                ocpp_url: str) -> None:
    cp = await _connected(runtime, ocpp_url)
    request = asyncio.create_task(client.post(f"{BASE}/reset", json={"kind": "Soft"}))
    call = await cp.next_call()
    await cp.ws.send(json.dumps([4, call[1], "NotSupported", "no resets here", {}]))
    response = await request
    await cp.close()
    assert response.status_code == 502 and response.json()["error"] == "command_error"
    assert "NotSupported" in response.json()["message"]
    (row,) = _log(runtime)
    assert row.outcome == "error" and "NotSupported" in (row.error or "")


async def test_unknown_station_is_404(client: httpx.AsyncClient, runtime: Runtime) -> None:
    response = await client.post("/api/v1/stations/NOPE/commands/reset", json={})
    assert response.status_code == 404
    assert (await client.get("/api/v1/stations/NOPE/commands")).status_code == 404


@pytest.mark.parametrize(("path", "body", "params", "field"), [
    ("remote-start", {}, {}, "id_tag"),
    ("remote-start", {"id_tag": "T" * 21}, {}, "id_tag"),
    ("remote-start", {"id_tag": "TAG1", "charging_profile": PROFILE}, {},
     "charging_profile.purpose"),
    ("reset", {"kind": "Medium"}, {}, "kind"),
    ("reset", {"timeout_s": 0.5}, {}, "timeout_s"),
    ("reset", {}, {"timeout_s": 301}, "query.timeout_s"),
    ("unlock", {"evse_id": 0}, {}, "evse_id"),
    ("trigger-message", {"message": "Coffee"}, {}, "message"),
    ("send-local-list", {"version": 1, "update_type": "Full", "entries": [{"id_tag": "A"}]},
     {}, "entries"),
    ("reserve-now", {"reservation_id": 1, "evse_id": 1, "id_tag": "A",
                     "expiry": "2030-01-01T00:00:00"}, {}, "expiry"),
    ("set-charging-profile", {"evse_id": 1, "profile": {**PROFILE, "periods": [
        {"start_s": 10, "limit": 6}]}}, {}, "profile.periods"),
    ("set-charging-profile", {"evse_id": 1, "profile": {**PROFILE,
                                                        "purpose": "ChargePointMaxProfile"}},
     {}, "evse_id"),
    ("set-charging-profile", {"evse_id": 1, "profile": {**PROFILE, "kind": "Recurring"}},
     {}, "profile.recurrency"),
    ("update-firmware", {"location": "not a url", "retrieve_at": "2030-01-01T00:00:00Z"}, {},
     "location"),
    ("get-diagnostics", {"location": "ftp://x/", "start": "2030-01-02T00:00:00Z",
                         "stop": "2030-01-01T00:00:00Z"}, {}, "stop"),
    ("data-transfer", {"vendor_id": "x", "extra": 1}, {}, "extra"),
])
async def test_bad_input_is_422_naming_the_field_and_stores_nothing(
    path: str, body: dict[str, Any], params: dict[str, Any], field: str,
    client: httpx.AsyncClient, runtime: Runtime,
) -> None:
    seed(runtime)
    response = await client.post(f"{BASE}/{path}", json=body, params=params)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_input"
    assert response.json()["message"].startswith(f"{field}:"), response.json()["message"]
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(CommandRecord)) == 0
