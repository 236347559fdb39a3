"""OCA OCPP 1.6 CSMS test cases, authorisation: invalid, expired and blocked tokens (at
Authorize, StartTransaction and StopTransaction), parent tags, and the authorisation cache."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from chargegrid.runtime import Runtime
from chargegrid.services import id_tokens
from chargegrid.store.models import Transaction
from tests.helpers import RawStation
from tests.ocpp.conftest import start_tx, stop_tx


def _tokens(runtime: Runtime) -> None:
    now = runtime.clock.now()
    with runtime.sessions() as s:
        id_tokens.create(s, token="EXPIRED", now=now, expires_at=now - timedelta(hours=1))
        id_tokens.create(s, token="BLOCKED", now=now, status="Blocked")
        id_tokens.create(s, token="PARENT", now=now, status="Blocked")
        id_tokens.create(s, token="CHILD", now=now, parent_id_tag="PARENT")
        id_tokens.create(s, token="FUTURE", now=now, expires_at=now + timedelta(days=30))
        s.commit()


@pytest.mark.parametrize(("case", "tag", "expected"), [
    ("TC_023_1 invalid", "NOBODY", "Invalid"),
    ("TC_023_2 expired", "EXPIRED", "Expired"),
    ("TC_023_3 blocked", "BLOCKED", "Blocked"),
    ("blocked parent", "CHILD", "Blocked"),
    ("accepted", "TAG1", "Accepted"),
])
async def test_tc_023_authorize(runtime: Runtime, cp: RawStation, case: str, tag: str,
                                expected: str) -> None:
    _tokens(runtime)
    reply = await cp.call("Authorize", {"idTag": tag})
    assert reply[0] == 3 and reply[2]["idTagInfo"]["status"] == expected
    if expected == "Expired":
        assert reply[2]["idTagInfo"]["expiryDate"].endswith("Z")
    if case == "blocked parent":
        assert reply[2]["idTagInfo"]["parentIdTag"] == "PARENT"


@pytest.mark.parametrize("tag", ["NOBODY", "EXPIRED", "BLOCKED"])
async def test_tc_023_start_transaction_with_refused_token(runtime: Runtime, cp: RawStation,
                                                           tag: str) -> None:
    """The station may have started offline or from its cache: it still gets a transaction
    id, with the verdict, so it can stop the session (OCPP 1.6 §5.15/§4.8)."""
    _tokens(runtime)
    started = await start_tx(cp, tag=tag)
    assert started["transactionId"] > 0
    assert started["idTagInfo"]["status"] != "Accepted"
    with runtime.sessions() as s:
        tx = s.get(Transaction, started["transactionId"])
        assert tx is not None and tx.auth_status == started["idTagInfo"]["status"]


async def test_stop_transaction_reports_token_verdict(runtime: Runtime, cp: RawStation) -> None:
    _tokens(runtime)
    tx_id = (await start_tx(cp, tag="TAG1"))["transactionId"]
    # A token blocked during the session: the stop is still stored, the verdict returned.
    with runtime.sessions() as s:
        id_tokens.update(s, token="TAG1", now=runtime.clock.now(), status="Blocked")
        s.commit()
    stopped = await stop_tx(cp, tx_id, idTag="TAG1", reason="Local")
    assert stopped["idTagInfo"]["status"] == "Blocked"
    # Without idTag there is nothing to judge: no idTagInfo.
    tx2 = (await start_tx(cp, connector=2, tag="FUTURE"))["transactionId"]
    assert await stop_tx(cp, tx2) == {}
    with runtime.sessions() as s:
        states = s.scalars(select(Transaction.state)).all()
        assert states == ["ended", "ended"]


async def test_token_with_expiry_gets_expiry_date_in_utc(runtime: Runtime,
                                                         cp: RawStation) -> None:
    _tokens(runtime)
    reply = await cp.call("Authorize", {"idTag": "FUTURE"})
    info = reply[2]["idTagInfo"]
    assert info["status"] == "Accepted" and info["expiryDate"].endswith("Z")
