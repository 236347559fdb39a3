"""OCPP-J robustness: 1,000 garbage or schema-violating frames from a fixed-seed generator,
each answered with exactly the right CALLERROR (or, for stray CALLRESULT/CALLERRORs, with
nothing), the connection kept, other stations served meanwhile and no row written; oversize
frames answered and survived."""

from __future__ import annotations

import asyncio
import json
import random
import string
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from ocpp.v16.enums import Action
from sqlalchemy import func, select
from websockets.exceptions import ConnectionClosed

from chargegrid.runtime import Runtime
from chargegrid.store.models import (
    CommandRecord,
    Connector,
    Evse,
    MeterValue,
    Station,
    StationEvent,
    StatusRecord,
    Transaction,
    TransactionEvent,
)
from tests.helpers import RawStation, seed
from tests.ocpp.conftest import boot

FRAMES = 1000
SEED = 1606
STATION_ACTIONS = {"Authorize", "BootNotification", "DataTransfer",
                   "DiagnosticsStatusNotification", "FirmwareStatusNotification", "Heartbeat",
                   "MeterValues", "StartTransaction", "StatusNotification", "StopTransaction"}
# Defined by OCPP 1.6 (with the security whitepaper) but not taken from a station.
NOT_FROM_STATION = sorted({a.value for a in Action} - STATION_ACTIONS)
OTHER_VERSIONS = ["TransactionEvent", "NotifyReport", "GetVariables", "heartbeat",
                  "HEARTBEAT", "Heartbeat ", " Authorize", "BootNotificationRequest", "", "?"]
TS = "2026-05-01T10:00:00Z"
VALID: dict[str, dict[str, Any]] = {
    "Authorize": {"idTag": "TAG1"},
    "BootNotification": {"chargePointVendor": "ACME", "chargePointModel": "X"},
    "DataTransfer": {"vendorId": "com.acme", "messageId": "m", "data": "d"},
    "DiagnosticsStatusNotification": {"status": "Idle"},
    "FirmwareStatusNotification": {"status": "Idle"},
    "Heartbeat": {},
    "MeterValues": {"connectorId": 1, "transactionId": 1,
                    "meterValue": [{"timestamp": TS, "sampledValue": [{"value": "1"}]}]},
    "StartTransaction": {"connectorId": 1, "idTag": "TAG1", "meterStart": 0, "timestamp": TS},
    "StatusNotification": {"connectorId": 1, "errorCode": "NoError", "status": "Available"},
    "StopTransaction": {"transactionId": 1, "meterStop": 10, "timestamp": TS},
}
REQUIRED = {"Authorize": ["idTag"], "BootNotification": ["chargePointVendor",
                                                         "chargePointModel"],
            "DataTransfer": ["vendorId"], "DiagnosticsStatusNotification": ["status"],
            "FirmwareStatusNotification": ["status"],
            "MeterValues": ["connectorId", "meterValue"],
            "StartTransaction": ["connectorId", "idTag", "meterStart", "timestamp"],
            "StatusNotification": ["connectorId", "errorCode", "status"],
            "StopTransaction": ["transactionId", "meterStop", "timestamp"]}
# (action, field, a value of the wrong JSON type)
WRONG_TYPE = [("Authorize", "idTag", 5), ("Authorize", "idTag", None),
              ("BootNotification", "chargePointModel", ["X"]),
              ("StartTransaction", "connectorId", "1"), ("StartTransaction", "connectorId", 1.5),
              ("StartTransaction", "meterStart", True), ("StartTransaction", "timestamp", 0),
              ("StatusNotification", "connectorId", {"id": 1}),
              ("StopTransaction", "transactionId", "one"), ("MeterValues", "meterValue", {}),
              ("DataTransfer", "data", {"a": 1}), ("DataTransfer", "vendorId", False)]
# (action, field, a value of the right type outside the allowed values)
OUT_OF_RANGE: list[tuple[str, str, Callable[[random.Random], Any]]] = [
    ("Authorize", "idTag", lambda r: "T" * r.randint(21, 300)),
    ("StartTransaction", "idTag", lambda r: "".join(r.choices(string.ascii_letters, k=21))),
    ("BootNotification", "chargePointVendor", lambda r: "V" * r.randint(21, 100)),
    ("StatusNotification", "status", lambda r: r.choice(["Broken", "available", "", "Idle"])),
    ("StatusNotification", "errorCode", lambda r: r.choice(["Oops", "noerror", ""])),
    ("FirmwareStatusNotification", "status", lambda r: r.choice(["Done", "Uploaded", "idle"])),
    ("DiagnosticsStatusNotification", "status", lambda r: r.choice(["Installed", "Gone"])),
    ("StartTransaction", "timestamp", lambda r: r.choice(["yesterday", "2026-13-01T00:00:00Z",
                                                          "12:00", "now"])),
    ("StopTransaction", "reason", lambda r: r.choice(["Bored", "local", "EVDisconnect"])),
    ("StartTransaction", "meterStart", lambda r: r.choice([2**31, 10**20, -(2**31) - 1,
                                                           1e40])),
    ("StatusNotification", "connectorId", lambda r: r.choice([-1, -99, 2**40])),
    ("MeterValues", "transactionId", lambda r: r.randint(2**31, 2**63)),
    ("StopTransaction", "meterStop", lambda r: -(2**33)),
]


@dataclass(frozen=True, slots=True)
class Probe:
    kind: str
    frame: str | bytes
    unique: str | None  # None: no answer is due (a stray CALLRESULT/CALLERROR)
    code: str | None


def _frames(rng: random.Random) -> list[Probe]:
    probes: list[Probe] = []

    def uid() -> str:
        return f"fz{len(probes)}-{rng.randrange(10**6)}"

    def call(unique: Any, action: Any, payload: Any) -> str:
        return json.dumps([2, unique, action, payload])

    makers: list[Callable[[], Probe]] = []

    def invalid_json() -> Probe:
        unique = uid()
        variant = rng.randrange(4)
        if variant == 0:  # truncated CALL: the id is still readable
            text = call(unique, "Heartbeat", {})
            return Probe("invalid-json", text[:rng.randrange(len(unique) + 6, len(text) - 1)],
                         unique, "FormationViolation")
        if variant == 1:
            text = "x" + "".join(rng.choices(string.printable, k=rng.randrange(1, 200)))
        elif variant == 2:
            text, readable = rng.choice([
                ("[2,'a','Heartbeat',{}]", "-1"), ("[2,\"a\",\"Heartbeat\",{},]", "a"),
                ("\ufeff[2,\"a\",\"Heartbeat\",{}]", "-1"), ("NaN-ish", "-1"), ("[", "-1"),
                ("]", "-1"), ("", "-1")])
            return Probe("invalid-json", text, readable, "FormationViolation")
        else:
            return Probe("invalid-json", bytes(rng.randrange(256) for _ in range(64)) + b"\xff",
                         "-1", "FormationViolation")
        return Probe("invalid-json", text, "-1", "FormationViolation")

    def not_an_array() -> Probe:
        value = rng.choice([{}, {"0": 2}, "call", 42, None, True, [], 3.5])
        return Probe("not-an-array", json.dumps(value), "-1", "FormationViolation")

    def bad_type_id() -> Probe:
        first = rng.choice(["2", 2.5, True, None, [2], {"t": 2}])
        return Probe("bad-type-id", json.dumps([first, uid(), "Heartbeat", {}]), "-1",
                     "FormationViolation")

    def unknown_type_id() -> Probe:
        unique = uid()
        kind = rng.choice([0, 1, 5, 6, 9, -3, 100, 2**40])
        return Probe("unknown-type-id", json.dumps([kind, unique, "Heartbeat", {}]), unique,
                     "ProtocolError")

    def stray_reply() -> Probe:
        unique = uid()
        frame = rng.choice([[3, unique, {}], [4, unique, "GenericError", "", {}], [3],
                            [4, 5, "x"], [3, unique]])
        return Probe("stray-reply", json.dumps(frame), None, None)

    def wrong_length() -> Probe:
        unique = uid()
        frame = rng.choice([[2, unique], [2, unique, "Heartbeat"],
                            [2, unique, "Heartbeat", {}, {}], [2, unique, "Heartbeat", {}, 1, 2]])
        return Probe("wrong-length", json.dumps(frame), unique, "FormationViolation")

    def bad_id() -> Probe:
        unique = rng.choice([123, None, ["x"], {"id": 1}, "", "i" * rng.randrange(37, 120)])
        return Probe("bad-unique-id", call(unique, "Heartbeat", {}), "-1",
                     "FormationViolation")

    def bad_action_type() -> Probe:
        unique = uid()
        return Probe("bad-action-type", call(unique, rng.choice([5, None, ["Heartbeat"], {}]),
                                             {}), unique, "FormationViolation")

    def unknown_action() -> Probe:
        unique = uid()
        invented = "Zz" + "".join(rng.choices(string.ascii_letters, k=rng.randrange(1, 40)))
        action = rng.choice([*OTHER_VERSIONS, invented])
        payload = rng.choice([{}, [], None, {"idTag": "TAG1"}])
        return Probe("unknown-action", call(unique, action, payload), unique, "NotImplemented")

    def central_only_action() -> Probe:
        unique = uid()
        payload = rng.choice([{}, {"type": "Hard"}, None, [1]])
        return Probe("central-only", call(unique, rng.choice(NOT_FROM_STATION), payload),
                     unique, "NotSupported")

    def payload_not_object() -> Probe:
        unique = uid()
        return Probe("payload-not-object", call(unique, rng.choice(sorted(STATION_ACTIONS)),
                                                rng.choice([[], "x", 1, None, [{}]])),
                     unique, "FormationViolation")

    def missing_field() -> Probe:
        unique = uid()
        action = rng.choice(sorted(REQUIRED))
        payload = dict(VALID[action])
        del payload[rng.choice(REQUIRED[action])]
        return Probe("missing-field", call(unique, action, payload), unique,
                     "OccurenceConstraintViolation")

    def wrong_type() -> Probe:
        unique = uid()
        action, field, value = rng.choice(WRONG_TYPE)
        return Probe("wrong-type", call(unique, action, {**VALID[action], field: value}),
                     unique, "TypeConstraintViolation")

    def out_of_range() -> Probe:
        unique = uid()
        action, field, value = rng.choice(OUT_OF_RANGE)
        return Probe("property-constraint", call(unique, action,
                                                 {**VALID[action], field: value(rng)}),
                     unique, "PropertyConstraintViolation")

    def extra_field() -> Probe:
        unique = uid()
        action = rng.choice(sorted(STATION_ACTIONS))
        payload = {**VALID[action], f"zz{rng.randrange(999)}": rng.choice([1, "x", None])}
        return Probe("extra-field", call(unique, action, payload), unique,
                     "FormationViolation")

    def start_on_connector_zero() -> Probe:
        unique = uid()
        return Probe("semantic", call(unique, "StartTransaction",
                                      {**VALID["StartTransaction"], "connectorId": 0}),
                     unique, "PropertyConstraintViolation")

    def oversize() -> Probe:
        unique = uid()
        pad = " " * rng.randrange(64 * 1024, 200 * 1024)
        return Probe("oversize", call(unique, "Heartbeat", {}) + pad, unique,
                     "FormationViolation")

    makers = [invalid_json, not_an_array, bad_type_id, unknown_type_id, stray_reply,
              wrong_length, bad_id, bad_action_type, unknown_action, central_only_action,
              payload_not_object, missing_field, wrong_type, out_of_range, extra_field,
              start_on_connector_zero]
    weights = [8, 4, 4, 4, 3, 4, 5, 3, 8, 8, 4, 10, 10, 12, 6, 2]
    for i in range(FRAMES):
        maker = oversize if i % 100 == 50 else rng.choices(makers, weights)[0]
        probes.append(maker())
    return probes


def _row_counts(runtime: Runtime) -> dict[str, int]:
    with runtime.sessions() as s:
        return {model.__tablename__: int(s.scalar(select(func.count()).select_from(model)) or 0)
                for model in (Station, Evse, Connector, StatusRecord, StationEvent,
                              Transaction, TransactionEvent, MeterValue, CommandRecord)}


async def _heartbeats(url: str, stop: asyncio.Event, answered: list[float]) -> None:
    """Another station keeps beating while CP1 sends garbage: it must be served."""
    other = await RawStation.connect(url)
    try:
        while not stop.is_set():
            reply = await other.call("Heartbeat", {}, timeout=5)
            assert reply[0] == 3, reply
            answered.append(asyncio.get_running_loop().time())
            await asyncio.sleep(0.01)
    finally:
        await other.close()


async def test_thousand_bad_frames_get_exact_callerrors(runtime: Runtime, ocpp_url: str) -> None:
    seed(runtime, station_ids=("CP1", "CP2", "CP3"))
    probes = _frames(random.Random(SEED))
    kinds = Counter(p.kind for p in probes)
    assert len(probes) == FRAMES and len(kinds) == 17 and min(kinds.values()) >= 10, kinds
    cp = await RawStation.connect(f"{ocpp_url}/CP1")
    before = _row_counts(runtime)
    stop, beats = asyncio.Event(), []
    other = asyncio.create_task(_heartbeats(f"{ocpp_url}/CP2", stop, beats))
    wrong: list[str] = []
    for probe in probes:
        await cp.ws.send(probe.frame)
        if probe.unique is None:
            continue
        reply = await cp.next_reply(timeout=5)
        expected = [4, probe.unique, probe.code]
        if reply[:3] != expected or len(reply) != 5 or not isinstance(reply[4], dict):
            wrong.append(f"{probe.kind}: {str(probe.frame)[:120]!r} -> {reply[:4]} "
                         f"(expected {expected})")
    # Nothing was answered to the stray replies: the next answer is this Heartbeat's.
    beat = await cp.call("Heartbeat", {})
    stop.set()
    await other
    assert wrong == [], "\n".join(wrong[:15])
    assert beat[0] == 3 and beat[1] == "m1"
    assert len(beats) >= 5
    # The connection stayed up throughout, and a brand-new station is served normally.
    assert runtime.registry.is_connected("CP1")
    fresh = await RawStation.connect(f"{ocpp_url}/CP3")
    assert (await fresh.call("Heartbeat", {}))[0] == 3
    await boot(fresh)
    await fresh.close()
    await cp.close()
    # No row of any kind came out of the garbage (the Heartbeats update rows, add none).
    assert _row_counts(runtime) == before


@pytest.mark.parametrize("size", [64 * 1024 + 1, 100 * 1024, 1024 * 1024, 4 * 1024 * 1024 - 64])
async def test_oversize_message_gets_callerror_and_connection_stays(runtime: Runtime,
                                                                   ocpp_url: str,
                                                                   size: int) -> None:
    seed(runtime)
    cp = await RawStation.connect(f"{ocpp_url}/CP1", max_size=None)
    head = json.dumps([2, "big-1", "DataTransfer", {"vendorId": "v", "data": ""}])
    frame = head[:-3] + "x" * (size - len(head)) + head[-3:]
    assert len(frame) == size
    reply = await cp.send_raw(frame)
    assert reply[:3] == [4, "big-1", "FormationViolation"]
    assert str(runtime.settings.max_message_bytes) in reply[3]
    assert (await cp.call("Heartbeat", {}))[0] == 3
    await cp.close()
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(StationEvent)) == 0


async def test_beyond_hard_frame_limit_closes_1009_and_reconnect_works(runtime: Runtime,
                                                                       ocpp_url: str) -> None:
    """Above the socket's hard limit (4 MiB) the frame is not read at all: the server closes
    with 1009 (message too big), and the station reconnects normally."""
    seed(runtime)
    cp = await RawStation.connect(f"{ocpp_url}/CP1", max_size=None)
    with pytest.raises(ConnectionClosed):
        await cp.send_raw(json.dumps([2, "huge", "Heartbeat", {}]) + " " * (4 * 1024 * 1024))
    assert cp.ws.close_code == 1009
    again = await RawStation.connect(f"{ocpp_url}/CP1")
    assert (await again.call("Heartbeat", {}))[0] == 3
    await again.close()
