"""A bare OCPP-J 2.0.1 peer (nothing of ChargeGrid underneath) and message builders."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from tests.helpers import RawStation


def iso(moment: datetime) -> str:
    return moment.isoformat()


def now_utc() -> datetime:
    return datetime.now(UTC)


class RawStation201(RawStation):
    """The same bare peer, speaking `ocpp2.0.1`."""

    SUBPROTOCOL = "ocpp2.0.1"


def boot_payload(reason: str = "PowerUp") -> dict[str, Any]:
    return {"reason": reason, "chargingStation": {
        "model": "OCTT-201", "vendorName": "ACME", "serialNumber": "SN-1",
        "firmwareVersion": "1.2.3", "modem": {"iccid": "8931", "imsi": "2620"}}}


def energy(wh: float, at: datetime, context: str = "Sample.Periodic",
           **extra: Any) -> dict[str, Any]:
    return {"timestamp": iso(at), "sampledValue": [
        {"value": wh, "measurand": "Energy.Active.Import.Register", "context": context,
         "unitOfMeasure": {"unit": "Wh"}}, *extra.get("more", [])]}


def tx_event(event_type: str, seq_no: int, tx_id: str, at: datetime, *,
             trigger: str = "MeterValuePeriodic", meter: list[dict[str, Any]] | None = None,
             evse: int | None = None, token: str | None = None, offline: bool = False,
             stopped_reason: str | None = None, state: str | None = None,
             **extra: Any) -> dict[str, Any]:
    info: dict[str, Any] = {"transactionId": tx_id}
    if stopped_reason:
        info["stoppedReason"] = stopped_reason
    if state:
        info["chargingState"] = state
    payload: dict[str, Any] = {"eventType": event_type, "timestamp": iso(at),
                               "triggerReason": trigger, "seqNo": seq_no,
                               "transactionInfo": info, **extra}
    if meter:
        payload["meterValue"] = meter
    if evse is not None:
        payload["evse"] = {"id": evse, "connectorId": 1}
    if token:
        payload["idToken"] = {"idToken": token, "type": "ISO14443"}
    if offline:
        payload["offline"] = True
    return payload


UTC_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
TIMESTAMP_KEYS = {"timestamp", "currentTime", "expiryDateTime", "retrieveDateTime",
                  "oldestTimestamp", "latestTimestamp", "validFrom", "validTo", "startSchedule",
                  "cacheExpiryDateTime", "generatedAt"}


def assert_utc_z(payload: Any) -> int:
    """Every timestamp field anywhere in `payload` is UTC ending in Z; returns how many."""
    seen = 0
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key in TIMESTAMP_KEYS and isinstance(value, str):
                assert UTC_Z.match(value), f"{key}={value!r} is not UTC ending in Z"
                seen += 1
            else:
                seen += assert_utc_z(value)
    elif isinstance(payload, list):
        seen += sum(assert_utc_z(item) for item in payload)
    return seen
