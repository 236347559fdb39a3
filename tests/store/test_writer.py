"""Group commit: answers only after commit, and one failing job does not sink its batch."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chargegrid.store.database import create_db_engine, create_session_factory
from chargegrid.store.models import IdToken
from chargegrid.store.writer import BatchWriter, WriterClosedError

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _add(token: str) -> object:
    def job(session: Session) -> str:
        session.add(IdToken(token=token, status="Accepted", created_at=NOW, updated_at=NOW))
        session.flush()
        return token

    return job


def _boom(session: Session) -> None:
    raise ValueError("bad message")


async def test_batches_commit_and_isolate_failures(database_url: str) -> None:
    engine = create_db_engine(database_url)
    sessions = create_session_factory(engine)
    writer = BatchWriter(sessions, max_batch=50)
    writer.start()
    jobs = [_add(f"T{i}") for i in range(100)]
    jobs.insert(37, _boom)
    jobs.insert(60, _add("T5"))  # duplicate token: violates the unique constraint
    results = await asyncio.gather(*(writer.submit(j) for j in jobs), return_exceptions=True)  # type: ignore[arg-type]
    await writer.close()
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 2 and isinstance(errors[0], ValueError)
    assert writer.batches < len(jobs)  # really batched
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(IdToken)) == 100
    with pytest.raises(WriterClosedError):
        await writer.submit(_add("late"))  # type: ignore[arg-type]
    engine.dispose()


async def test_deferred_meter_values_are_seen_by_a_stop_in_the_same_batch(
    database_url: str,
) -> None:
    """MeterValues rows are inserted once per batch; a StopTransaction later in the same
    batch must still see them when it cross-checks the session's energy."""
    from chargegrid.domain.meter import Sample
    from chargegrid.domain.transactions import StartRequest, StopRequest
    from chargegrid.services import meter_values, stations, transactions
    from chargegrid.store.models import Transaction

    engine = create_db_engine(database_url)
    sessions = create_session_factory(engine)
    with sessions() as s:
        stations.create(s, station_id="CP1", now=NOW)
        tx_id = transactions.start(s, req=StartRequest("CP1", 1, 1, "T", 0, NOW), now=NOW
                                   ).transaction_id
        s.commit()
    writer = BatchWriter(sessions)
    writer.start()

    def sample(wh: int) -> object:
        return lambda s: meter_values.store(
            s, station_id="CP1", evse_id=1, connector_id=1, transaction_id=tx_id,
            samples=[Sample(NOW, str(wh))], now=NOW, transaction_known=True, deferred=True)

    stop = lambda s: transactions.stop(s, req=StopRequest("CP1", tx_id, 900, NOW), now=NOW)  # noqa: E731
    await asyncio.gather(writer.submit(sample(100)), writer.submit(sample(700)),  # type: ignore[arg-type]
                         writer.submit(stop))
    await writer.close()
    with sessions() as s:
        tx = s.get(Transaction, tx_id)
        assert tx is not None and tx.meter_values_energy_wh == 600.0 and tx.energy_wh == 900
    engine.dispose()


def test_secrets_never_reach_the_audit_log() -> None:
    from chargegrid.domain.commands import (
        ChangeConfiguration,
        SetVariables,
        VariableRef,
        VariableSetting,
    )
    from chargegrid.services.commands import redacted

    assert redacted(ChangeConfiguration("AuthorizationKey", "s3cret"))["value"] == "***"
    assert redacted(ChangeConfiguration("HeartbeatInterval", "60"))["value"] == "60"
    rotated = redacted(SetVariables((
        VariableSetting(VariableRef("SecurityCtrlr", "BasicAuthPassword"), "new-password-1234"),
        VariableSetting(VariableRef("OCPPCommCtrlr", "HeartbeatInterval"), "60"))))
    assert [s["value"] for s in rotated["settings"]] == ["***", "60"]
