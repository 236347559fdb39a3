"""Account and charge-point configuration, and the HTTPS client with a client certificate."""

from __future__ import annotations

import ssl
from datetime import timedelta
from pathlib import Path

import pytest
import trustme
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from chargegrid.clock import FixedClock
from chargegrid.errors import InvalidInputError, NotFoundError
from chargegrid.exports.advenir import config
from chargegrid.exports.advenir.client import AdvenirClient
from chargegrid.exports.advenir.job import ExportOptions, run_export
from chargegrid.exports.advenir.payloads import ExportFormat
from chargegrid.services import stations
from chargegrid.store.models import AdvenirAccount, AdvenirOperation
from tests.exports import sim
from tests.exports.conftest import T0
from tests.exports.fake_advenir import FakeAdvenir, RunningFake


def test_validation(sessions: sessionmaker[Session], clock: FixedClock) -> None:
    with sessions() as session:
        with pytest.raises(InvalidInputError, match="https"):
            config.configure_account(session, name="a", user_id="u", basic_user="x",
                                     basic_password="y", base_url="http://advenir.example",
                                     now=clock.now())
        with pytest.raises(InvalidInputError, match="user and a password"):
            config.configure_account(session, name="b", user_id="u", now=clock.now())
        with pytest.raises(InvalidInputError, match="certificate"):
            config.configure_account(session, name="c", user_id="u", auth_mode="certificate",
                                     now=clock.now())
        with pytest.raises(InvalidInputError, match="batch_size"):
            config.configure_account(session, name="d", user_id="u", basic_user="x",
                                     basic_password="y", batch_size=0, now=clock.now())
        with pytest.raises(NotFoundError):
            config.map_station(session, account_name="zz", station_id="CP", now=clock.now(),
                               advenir_station_id="R1")
        account = config.configure_account(session, name="ok", user_id="u", basic_user="x",
                                           basic_password="env:PW", now=clock.now())
        assert account.base_url == config.PRODUCTION_URL
        assert config.resolve_password(account, {"PW": "secret"}) == "secret"
        with pytest.raises(InvalidInputError, match="PW"):
            config.resolve_password(account, {})
        # An update changes only what is given.
        config.configure_account(session, name="ok", batch_size=42, now=clock.now())
        assert (account.basic_password, account.batch_size) == ("env:PW", 42)


def test_correcting_a_station_id_rekeys_only_pending_operations(
        sessions: sessionmaker[Session], clock: FixedClock) -> None:
    with sessions() as session:
        stations.create(session, station_id="CP-A", now=clock.now())
        config.configure_account(session, name="m", user_id="u", basic_user="x",
                                 basic_password="y", now=clock.now())
        config.map_station(session, account_name="m", station_id="CP-A", evse_id=1,
                           advenir_station_id="R32O", now=clock.now())  # typo
        for day in (0, 1):
            sim.write(session, sim.SimSession("CP-A", 1, T0 + timedelta(days=day), 0,
                                              [("charge", 10, 7.4)]), now=clock.now())
        from chargegrid.exports.advenir.derive import derive_chunk
        account = config.get_account_by_name_or_raise(session, name="m")
        derive_chunk(session, account=account, now=clock.now())
        first = session.scalars(select(AdvenirOperation).order_by(AdvenirOperation.id)).first()
        assert first is not None
        first.state = "acknowledged"
        config.map_station(session, account_name="m", station_id="CP-A", evse_id=1,
                           advenir_station_id="R320", now=clock.now())
        keys = list(session.scalars(select(AdvenirOperation.advenir_station_id)
                                    .order_by(AdvenirOperation.id)))
        assert keys == ["R32O", "R320"]


def test_client_certificate_over_https(sessions: sessionmaker[Session], clock: FixedClock,
                                       tmp_path: Path) -> None:
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ctx)
    ca.configure_trust(server_ctx)
    server_ctx.verify_mode = ssl.CERT_REQUIRED
    client_cert = ca.issue_cert("operator.example")
    cert_path, key_path = tmp_path / "client.pem", tmp_path / "client.key"
    client_cert.cert_chain_pems[0].write_to_path(str(cert_path))
    client_cert.private_key_pem.write_to_path(str(key_path))
    running = RunningFake(FakeAdvenir(require_basic=False), tls=server_ctx)
    try:
        with sessions() as session:
            stations.create(session, station_id="CP-A", now=clock.now())
            config.configure_account(session, name="tls", user_id=running.fake.user_id,
                                     auth_mode="certificate", client_cert_path=str(cert_path),
                                     client_key_path=str(key_path), base_url=running.url,
                                     timeout_s=5, now=clock.now())
            config.map_station(session, account_name="tls", station_id="CP-A",
                               advenir_station_id="R320", now=clock.now())
            sim.write(session, sim.SimSession("CP-A", 1, T0, 0, [("charge", 10, 7.4)]),
                      now=clock.now())
            session.commit()

        def trusting(account: object) -> AdvenirClient:
            verify = ssl.create_default_context()
            ca.configure_trust(verify)
            return AdvenirClient.for_account(account, verify=verify)  # type: ignore[arg-type]

        report = run_export(sessions, clock=clock, poster_factory=trusting,
                            options=ExportOptions(only=ExportFormat.OPERATION),
                            sleep=lambda _s: None)
        assert report.acknowledged == 1 and report.errors == []
        # Without the client certificate the TLS handshake is refused: nothing acknowledged.
        no_cert = ssl.create_default_context()
        ca.configure_trust(no_cert)
        client = AdvenirClient.for_account(
            AdvenirAccount(name="x", user_id="u", auth_mode="none", base_url=running.url,
                                  timeout_s=5.0), verify=no_cert)
        with client:
            assert client.post(ExportFormat.OPERATION, b"{}").outcome == "transport"
    finally:
        running.close()
