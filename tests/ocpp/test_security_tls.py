"""Security profile 2: OCPP over TLS (wss://) with the server's certificate settings, and
profile 1 on top of it (Basic auth travelling inside TLS)."""

from __future__ import annotations

import base64
import ssl
from pathlib import Path

import pytest
import trustme
import websockets

from chargegrid.runtime import Runtime
from chargegrid.settings import Settings
from tests.helpers import RawStation, seed

PASSWORD = "correct-horse-battery-42"


@pytest.fixture
async def tls_runtime(settings: Settings, tmp_path: Path) -> tuple[Runtime, ssl.SSLContext]:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    certfile, keyfile = tmp_path / "server.pem", tmp_path / "server.key"
    cert.cert_chain_pems[0].write_to_path(str(certfile))
    for extra in cert.cert_chain_pems[1:]:
        extra.write_to_path(str(certfile), append=True)
    cert.private_key_pem.write_to_path(str(keyfile))
    tls_settings = settings.model_copy(update={"tls_certfile": certfile, "tls_keyfile": keyfile})
    rt = Runtime.build(tls_settings, run_migrations=False)
    await rt.start_ocpp("127.0.0.1", 0)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    return rt, client


async def test_wss_with_basic_auth(tls_runtime: tuple[Runtime, ssl.SSLContext]) -> None:
    rt, client_ctx = tls_runtime
    try:
        seed(rt, password=PASSWORD)
        url = f"wss://127.0.0.1:{rt.ocpp.port}/ocpp/CP1"
        auth = base64.b64encode(f"CP1:{PASSWORD}".encode()).decode()
        cp = await RawStation.connect(url, ssl=client_ctx,
                                      additional_headers={"Authorization": f"Basic {auth}"})
        reply = await cp.call("BootNotification", {"chargePointVendor": "V",
                                                   "chargePointModel": "M"})
        assert reply[2]["status"] == "Accepted"
        await cp.close()
        # Plain ws:// to the TLS port fails; so does TLS without the password.
        with pytest.raises((OSError, websockets.InvalidMessage, TimeoutError)):
            await RawStation.connect(f"ws://127.0.0.1:{rt.ocpp.port}/ocpp/CP1", open_timeout=3)
        with pytest.raises(websockets.InvalidStatus) as refused:
            await RawStation.connect(url, ssl=client_ctx)
        assert refused.value.response.status_code == 401
    finally:
        await rt.stop()
