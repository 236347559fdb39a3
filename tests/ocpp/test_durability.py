"""Acceptance: killing the server (`kill -9`) mid-traffic loses no acknowledged message.

A real server process is started, several stations stream StartTransaction/MeterValues,
the process is killed without warning, restarted on the same database, and every message
that had been answered must be found stored.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from chargegrid.store.database import create_db_engine, create_session_factory
from chargegrid.store.models import MeterValue, Transaction
from tests.helpers import RawStation

pytestmark = pytest.mark.timeout(90)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(database_url: str, port: int) -> subprocess.Popen[str]:
    env = dict(os.environ, CHARGEGRID_DATABASE_URL=database_url, CHARGEGRID_HOST="127.0.0.1",
               CHARGEGRID_OCPP_PORT=str(port), CHARGEGRID_UNKNOWN_STATIONS="accept",
               CHARGEGRID_LOG_LEVEL="WARNING",
               PYTHONPATH=str(Path(__file__).resolve().parents[2] / "src"))
    proc = subprocess.Popen([sys.executable, "-m", "chargegrid", "serve", "--no-api"], env=env,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "ready", f"server did not start: {line!r}"
    return proc


async def _stream(url: str, station: str, acked: list[tuple[str, int]],
                  started: list[int]) -> None:
    """Start a transaction, then send meter values until the connection dies."""
    try:
        cp = await RawStation.connect(f"{url}/{station}", open_timeout=5)
        reply = await cp.call("StartTransaction", {"connectorId": 1, "idTag": "T",
                                                   "meterStart": 0,
                                                   "timestamp": "2026-05-01T10:00:00Z"})
        tx = int(reply[2]["transactionId"])
        started.append(tx)
        for i in range(1, 100_000):
            reply = await cp.call("MeterValues", {"connectorId": 1, "transactionId": tx,
                                                  "meterValue": [{
                                                      "timestamp": f"2026-05-01T10:{i // 60 % 60:02d}:{i % 60:02d}Z",
                                                      "sampledValue": [{"value": str(i * 10)}]}]},
                                  timeout=5)
            if reply[0] == 3:
                acked.append((station, tx))
    except Exception:
        return


async def test_kill_9_loses_no_acknowledged_message(database_url: str) -> None:
    port = _free_port()
    url = f"ws://127.0.0.1:{port}/ocpp"
    proc = _start_server(database_url, port)
    acked: list[tuple[str, int]] = []
    started: list[int] = []
    try:
        tasks = [asyncio.create_task(_stream(url, f"K{i}", acked, started)) for i in range(8)]
        while len(acked) < 400:
            await asyncio.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    restarted = _start_server(database_url, port)
    try:
        engine = create_db_engine(database_url)
        with create_session_factory(engine)() as session:
            for tx in started:
                assert session.get(Transaction, tx) is not None
            for tx in set(t for _, t in acked):
                expected = sum(1 for _, t in acked if t == tx)
                stored = session.scalar(select(func.count()).select_from(MeterValue)
                                        .where(MeterValue.transaction_id == tx))
                assert stored is not None and stored >= expected
        engine.dispose()
        # And the restarted server serves again.
        cp = await RawStation.connect(f"{url}/K0")
        assert (await cp.call("Heartbeat", {}))[0] == 3
        await cp.close()
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.wait(timeout=15)
