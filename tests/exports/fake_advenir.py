"""A fake ADVENIR web service on loopback, written from the protocol's annex 4.1 alone
(nothing of chargegrid.exports is imported): it checks Basic authentication, the exact
shape and the values of both bodies, and answers as the test tells it to.

Modes, taken one per request from `script` (then `default`):
  ok        {"statut": "OK"} and the operations are recorded as accepted
  echec     {"statut": "ECHEC"}
  500       HTTP 500
  hang      no answer for `hang_s` seconds (the client times out)
  drop      the body is read, then the connection is closed without an answer
A body with a shape error, or one carrying a TransactionID listed in `poison`, gets ECHEC.
"""

from __future__ import annotations

import base64
import json
import ssl
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PATHS = {"/api/operation/put": "operation", "/api/courbe/put": "courbe"}


@dataclass
class Received:
    path: str
    body: Any
    mode: str


@dataclass
class FakeAdvenir:
    user: str = "100@servtest.advenir.mobi"
    password: str = "test123"
    user_id: str = "a6d0e6cf-7cac-477a-ae63-7e753c5bdda1"
    stations: set[str] = field(default_factory=set)
    default: str = "ok"
    script: list[str] = field(default_factory=list)
    poison: set[str] = field(default_factory=set)
    hang_s: float = 2.0
    require_basic: bool = True  # False when TLS client certificates authenticate instead
    requests: list[Received] = field(default_factory=list)
    # (format, StationID, TransactionID) → the value accepted with an OK
    accepted: dict[tuple[str, str, str], Any] = field(default_factory=dict)
    accept_count: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    shape_errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_mode(self) -> str:
        with self.lock:
            return self.script.pop(0) if self.script else self.default

    def check(self, fmt: str, body: Any) -> list[str]:
        """Every way the body departs from the annex (empty when it is right)."""
        errors: list[str] = []
        if not isinstance(body, dict) or list(body) != [self.user_id]:
            return [f"top level must be {{UserID: ...}}, got keys {list(body)[:3]}"]
        stations = body[self.user_id]
        if not isinstance(stations, dict) or not stations:
            return ["UserID must map StationIDs"]
        for station, transactions in stations.items():
            if self.stations and station not in self.stations:
                errors.append(f"unknown StationID {station}")
            if not isinstance(transactions, dict) or not transactions:
                errors.append(f"{station}: must map TransactionIDs")
                continue
            for key, value in transactions.items():
                errors.extend(f"{station}/{key}: {e}" for e in self._check_one(fmt, value))
        return errors

    @staticmethod
    def _check_one(fmt: str, value: Any) -> list[str]:
        if fmt == "operation":
            fields = ["StartTransaction", "StopTransaction", "StartValue", "StopValue"]
            if not isinstance(value, dict) or sorted(value) != sorted(fields):
                return [f"operation fields {value!r}"]
            if not all(type(value[f]) is int for f in fields):
                return ["operation values must be integers"]
            if value["StartTransaction"] > value["StopTransaction"]:
                return ["stop before start"]
            if value["StartValue"] > value["StopValue"]:
                return ["StopValue below StartValue"]
            return []
        if not isinstance(value, list) or len(value) < 3:
            return ["a load curve needs at least 3 points"]
        if any(not isinstance(p, dict) or sorted(p) != ["timestamp", "value"]
               or type(p["timestamp"]) is not int or type(p["value"]) is not int for p in value):
            return ["points must be {timestamp: int, value: int}"]
        stamps = [p["timestamp"] for p in value]
        values = [p["value"] for p in value]
        if stamps != sorted(set(stamps)) or values != sorted(values):
            return ["curve must go forward in time and never down in energy"]
        return []


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _answer(self, status: int, payload: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode() if payload is not None else b"oops"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        fake = self.server.fake
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        fmt = PATHS.get(self.path)
        if fmt is None:
            return self._answer(404, {"error": "not found"})
        expected = base64.b64encode(f"{fake.user}:{fake.password}".encode()).decode()
        if fake.require_basic and self.headers.get("Authorization") != f"Basic {expected}":
            return self._answer(401, {"error": "unauthorized"})
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        mode = fake.next_mode()
        with fake.lock:
            fake.requests.append(Received(self.path, body, mode))
        if mode == "drop":
            self.close_connection = True
            return
        if mode == "hang":
            time.sleep(fake.hang_s)
            self.close_connection = True
            return
        if mode == "500":
            return self._answer(500)
        errors = fake.check(fmt, body)
        keys = {k for station in (body or {}).get(fake.user_id, {}).values()
                if isinstance(station, dict) for k in station}
        if mode == "echec" or errors or keys & fake.poison:
            with fake.lock:
                fake.shape_errors.extend(errors)
            return self._answer(200, {"statut": "ECHEC"})
        with fake.lock:
            for station, transactions in body[fake.user_id].items():
                for key, value in transactions.items():
                    fake.accepted[(fmt, station, key)] = value
                    fake.accept_count[(fmt, station, key)] += 1
        return self._answer(200, {"statut": "OK"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    fake: FakeAdvenir


class RunningFake:
    """The fake listening on a free loopback port, in a thread, until `close()`."""

    def __init__(self, fake: FakeAdvenir, tls: ssl.SSLContext | None = None) -> None:
        self.fake = fake
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = fake
        self._scheme = "http"
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
            self._scheme = "https"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"{self._scheme}://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
