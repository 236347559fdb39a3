"""The two ADVENIR web-service bodies and its answer, exactly as the protocol's annex 4.1
gives them: pure functions, no I/O.

Both bodies are keyed `UserID → StationID → TransactionID`; a load curve is a list of
`{"timestamp", "value"}` (UNIX seconds, cumulative register in Wh), an operation is
`{"StartTransaction", "StopTransaction", "StartValue", "StopValue"}`. The answer is
`{"statut": "OK"}` or `{"statut": "ECHEC"}`; the annex itself writes it with single quotes
and a stray space (`{ 'statut' : ' ECHEC' }`), so the parser forgives both.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ExportFormat(StrEnum):
    """The two web services; the value is the path segment of the endpoint."""

    COURBE = "courbe"
    OPERATION = "operation"

    @property
    def path(self) -> str:
        return f"/api/{self.value}/put"


class Answer(StrEnum):
    OK = "OK"
    ECHEC = "ECHEC"


@dataclass(frozen=True, slots=True)
class OutgoingOperation:
    """One operation as it goes on the wire; `key` is its TransactionID."""

    key: str
    station: str
    start_ts: int
    stop_ts: int
    start_wh: int
    stop_wh: int
    curve: tuple[tuple[int, int], ...] | None = None


def operation_body(user_id: str, operations: Iterable[OutgoingOperation]) -> dict[str, Any]:
    """`/api/operation/put`: start/stop time and start/stop register per TransactionID."""
    stations: dict[str, dict[str, dict[str, int]]] = {}
    for op in operations:
        stations.setdefault(op.station, {})[op.key] = {
            "StartTransaction": op.start_ts,
            "StopTransaction": op.stop_ts,
            "StartValue": op.start_wh,
            "StopValue": op.stop_wh,
        }
    return {user_id: stations}


def curve_body(user_id: str, operations: Iterable[OutgoingOperation]) -> dict[str, Any]:
    """`/api/courbe/put`: the cumulative register at each sampled second per TransactionID.

    An operation without a curve of at least three points has no place here (the annex sends
    those as operations) and is refused loudly rather than sent short.
    """
    stations: dict[str, dict[str, list[dict[str, int]]]] = {}
    for op in operations:
        if op.curve is None or len(op.curve) < 3:
            raise ValueError(f"operation {op.key} has no load curve of at least 3 points")
        stations.setdefault(op.station, {})[op.key] = [
            {"timestamp": ts, "value": wh} for ts, wh in op.curve
        ]
    return {user_id: stations}


def body(fmt: ExportFormat, user_id: str,
         operations: Iterable[OutgoingOperation]) -> dict[str, Any]:
    """The request body for a format."""
    if fmt is ExportFormat.COURBE:
        return curve_body(user_id, operations)
    return operation_body(user_id, operations)


def encode(payload: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON (StationIDs are the operator's and may hold any character)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def parse_answer(raw: bytes) -> Answer | None:
    """OK or ECHEC from the service's answer; None when it is neither (treat as failure)."""
    text = raw.decode("utf-8", errors="replace").strip()
    for candidate in (text, text.replace("'", '"')):
        try:
            parsed = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(parsed, dict):
            statut = parsed.get("statut")
            if isinstance(statut, str):
                value = statut.strip().upper()
                if value in Answer.__members__:
                    return Answer(value)
        return None
    return None
