"""A real HTTP receiver on loopback, written only with the standard library (no ChargeGrid
code), that checks signatures the way docs/webhooks.md tells receivers to."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    signature_ok: bool

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    secret: str
    url: str = ""
    # Status codes to answer, in order; once used up, 200.
    script: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # When set, requests wait for it before answering (a receiver that hangs).
    hold: threading.Event | None = None

    def check(self, header: str, body: bytes) -> bool:
        parts = dict(p.split("=", 1) for p in header.split(","))
        if abs(time.time() - int(parts["t"])) > 300:
            return False
        expected = hmac.new(self.secret.encode(), parts["t"].encode() + b"." + body,
                            hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, parts["v1"])

    def wait_for(self, count: int, timeout: float = 15.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.02)
        raise AssertionError(f"expected {count} requests, got {len(self.received)}")


@contextmanager
def receiver(secret: str, script: list[int] | None = None,
             hold: threading.Event | None = None) -> Iterator[Receiver]:
    state = Receiver(secret=secret, script=list(script or []), hold=hold)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            ok = state.check(self.headers.get("ChargeGrid-Signature", ""), body)
            with state.lock:
                state.received.append(Received(dict(self.headers.items()), body, ok))
                code = state.script.pop(0) if state.script else 200
            if not ok:
                code = 401
            if state.hold is not None:
                state.hold.wait(30)
            reply = b'{"received": true}' if code < 300 else b"receiver says no"
            self.send_response(code)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        if hold is not None:
            hold.set()
        server.shutdown()
        server.server_close()
        thread.join()
