"""The printable QR sheet: API (authenticated) and CLI, read back with pypdf."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4

from chargegrid.runtime import Runtime
from chargegrid.store.models import Connector, Station
from tests.api.conftest import Tokens, bearer


def add_station(runtime: Runtime, station_id: str, connectors: int) -> None:
    now = runtime.clock.now()
    with runtime.sessions() as s:
        s.add(Station(id=station_id, created_at=now))
        s.flush()
        for n in range(connectors + 1):  # 1.6 connector 0 is the station itself: no label
            s.add(Connector(station_id=station_id, evse_id=n, connector_id=1 if n else 0,
                            status="Available"))
        s.commit()


def scan(pdf: bytes) -> list[list[str]]:
    """What a phone camera would read: each page rasterised, every QR code decoded."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [sorted(code.text for code in zxingcpp.read_barcodes(page.render(scale=2)
                                                                     .to_pil())
                       if code.format == zxingcpp.BarcodeFormat.QRCode)
                for page in document]
    finally:
        document.close()


def read(pdf: bytes) -> tuple[int, str, tuple[float, float]]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    box = reader.pages[0].mediabox
    return len(reader.pages), text, (float(box.width), float(box.height))


async def test_api_sheet_has_one_code_per_connector(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    add_station(runtime, "QRA", 8)
    r = await client.get("/api/v1/stations/QRA/qr.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert 'filename="QRA-qr.pdf"' in r.headers["content-disposition"]
    pages, text, size = read(r.content)
    assert pages == 2  # six labels per page
    assert size == pytest.approx(A4, abs=0.5)
    for n in range(1, 9):
        assert f"http://localhost:8000/c/QRA/{n}" in text
        assert f"QRA · connector {n}" in text
    assert "/c/QRA/0" not in text and "/c/QRA/9" not in text
    # The codes themselves decode to the connector pages, six on the first page.
    assert scan(r.content) == [[f"http://localhost:8000/c/QRA/{n}" for n in range(1, 7)],
                               ["http://localhost:8000/c/QRA/7",
                                "http://localhost:8000/c/QRA/8"]]


async def test_api_sheet_needs_a_token_and_a_known_station(
        runtime: Runtime, anon: httpx.AsyncClient, client: httpx.AsyncClient,
        tokens: Tokens) -> None:
    add_station(runtime, "QRB", 1)
    assert (await anon.get("/api/v1/stations/QRB/qr.pdf")).status_code == 401
    missing = await client.get("/api/v1/stations/NOPE/qr.pdf")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    with runtime.sessions() as s:
        s.add(Station(id="BARE", created_at=runtime.clock.now()))
        s.commit()
    bare = await client.get("/api/v1/stations/BARE/qr.pdf", headers=bearer(tokens.reader))
    assert bare.status_code == 409 and "no connectors yet" in bare.json()["message"]


def test_cli_writes_the_sheet_with_the_public_url(
        runtime: Runtime, database_url: str, tmp_path: Path) -> None:
    add_station(runtime, "QRC", 2)
    out = tmp_path / "sheet.pdf"
    env = {**os.environ, "CHARGEGRID_DATABASE_URL": database_url,
           "CHARGEGRID_PUBLIC_URL": "https://charge.example.org/"}
    done = subprocess.run([sys.executable, "-m", "chargegrid", "station", "qr", "QRC",
                           "-o", str(out)], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "2 connectors" in done.stdout
    pages, text, _ = read(out.read_bytes())
    assert pages == 1
    assert "https://charge.example.org/c/QRC/1" in text
    assert "https://charge.example.org/c/QRC/2" in text
    assert scan(out.read_bytes()) == [["https://charge.example.org/c/QRC/1",
                                       "https://charge.example.org/c/QRC/2"]]
    unknown = subprocess.run([sys.executable, "-m", "chargegrid", "station", "qr", "NOPE",
                              "-o", str(tmp_path / "x.pdf")], env=env, capture_output=True,
                             text=True, timeout=120, check=False)
    assert unknown.returncode == 3 and "NOPE" in unknown.stderr
    assert not (tmp_path / "x.pdf").exists()
