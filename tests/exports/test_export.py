"""The acceptance of issue #7 against the independent fake web service: a month of sessions
(some paused and resumed by the EMS) exported in both formats, energy that adds up, re-runs
that send nothing, and failures mid-batch that lose and duplicate nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from chargegrid.clock import FixedClock
from chargegrid.exports.advenir import config
from chargegrid.exports.advenir.derive import derive_chunk
from chargegrid.exports.advenir.job import ExportOptions, ExportReport, run_export
from chargegrid.exports.advenir.payloads import ExportFormat
from chargegrid.services import stations
from chargegrid.store.models import AdvenirBatch, AdvenirOperation, AdvenirSession
from tests.exports import sim
from tests.exports.conftest import T0
from tests.exports.fake_advenir import RunningFake

STATIONS = ["CP-A", "CP-B"]
DECLARED = {("CP-A", 1): "R320", ("CP-A", 2): "R330", ("CP-B", 1): "R560", ("CP-B", 2): "1234"}


def setup_account(sessions: sessionmaker[Session], fake: RunningFake, clock: FixedClock, *,
                  fmt: str = "auto", batch_size: int = 50, timeout_s: float = 5.0) -> None:
    fake.fake.stations = set(DECLARED.values())
    with sessions() as session:
        config.configure_account(
            session, name="main", user_id=fake.fake.user_id, base_url=fake.url,
            basic_user=fake.fake.user, basic_password=fake.fake.password, format=fmt,
            batch_size=batch_size, timeout_s=timeout_s, now=clock.now())
        for (station, evse), declared in DECLARED.items():
            if stations.get(session, station_id=station) is None:
                stations.create(session, station_id=station, now=clock.now())
            config.map_station(session, account_name="main", station_id=station, evse_id=evse,
                               advenir_station_id=declared, now=clock.now())
        session.commit()


def load_month(sessions: sessionmaker[Session], clock: FixedClock) -> list[sim.SimSession]:
    sims = sim.month(T0, STATIONS)
    with sessions() as session:
        for s in sims:
            sim.write(session, s, now=clock.now())
        session.commit()
    return sims


def export(sessions: sessionmaker[Session], clock: FixedClock, **options: object) -> ExportReport:
    return run_export(sessions, clock=clock, options=ExportOptions(**options),  # type: ignore[arg-type]
                      sleep=lambda _s: None)


def ops_by_key(sessions: sessionmaker[Session]) -> dict[str, AdvenirOperation]:
    with sessions() as session:
        return {str(o.id): o for o in session.scalars(select(AdvenirOperation))}


@pytest.mark.parametrize("fmt", ["auto", "operation"])
def test_month_exported_and_energy_adds_up(sessions: sessionmaker[Session], fake: RunningFake,
                                           clock: FixedClock, fmt: str) -> None:
    setup_account(sessions, fake, clock, fmt=fmt)
    sims = load_month(sessions, clock)
    report = export(sessions, clock)
    assert report.failed == 0 and report.errors == [] and fake.fake.shape_errors == []
    ops = ops_by_key(sessions)
    assert report.acknowledged == len(ops) == len(fake.fake.accepted)
    assert sum(s.expected_operations for s in sims) == len(ops)
    assert any(s.expected_operations > 1 for s in sims)  # the EMS did pause some
    # Every charge, whatever its authorisation, and each operation exactly once.
    assert set(fake.fake.accept_count.values()) == {1}
    formats = {fmt_ for fmt_, _, _ in fake.fake.accepted}
    assert formats == ({"operation"} if fmt == "operation" else {"courbe", "operation"})
    delivered: dict[str, int] = {}
    for (fmt_, station, key), value in fake.fake.accepted.items():
        op = ops[key]
        assert op.advenir_station_id == station and op.state == "acknowledged"
        if fmt_ == "operation":
            energy = value["StopValue"] - value["StartValue"]
            assert (value["StartTransaction"], value["StopTransaction"]) == (
                int(op.started_at.timestamp()), int(op.stopped_at.timestamp()))
        else:
            energy = value[-1]["value"] - value[0]["value"]
            assert len(value) >= 3
        assert energy == op.stop_wh - op.start_wh > 0
        delivered[station] = delivered.get(station, 0) + energy
    expected: dict[str, int] = {}
    for s in sims:
        declared = DECLARED[(s.station_id, s.evse_id)]
        expected[declared] = expected.get(declared, 0) + s.meter_stop_wh - s.meter_start_wh
    assert delivered == expected
    # Operations are delivery periods, never the plug-in time: trailing idle time is cut.
    with sessions() as session:
        methods = dict(session.execute(select(AdvenirSession.method, func.count())
                                       .group_by(AdvenirSession.method)).all())
    assert methods.keys() == {"meter_values", "start_stop"}

    # Re-running sends nothing new.
    requests_before = len(fake.fake.requests)
    again = export(sessions, clock)
    assert (again.requests, again.acknowledged, again.derived_transactions) == (0, 0, 0)
    assert len(fake.fake.requests) == requests_before


def test_echec_and_drop_mid_batch_lose_and_duplicate_nothing(
        sessions: sessionmaker[Session], fake: RunningFake, clock: FixedClock) -> None:
    setup_account(sessions, fake, clock, fmt="operation", batch_size=40)
    load_month(sessions, clock)
    # Second request rejected, third dropped without an answer, fourth a 500.
    fake.fake.script = ["ok", "echec", "ok", "ok", "drop", "drop", "drop"]
    first = export(sessions, clock)
    assert first.failed > 0 and first.acknowledged > 0
    backed_off = {k for k, o in ops_by_key(sessions).items()
                  if o.state == "pending" and o.attempts}
    assert backed_off and all(o.next_attempt_at and o.last_error
                              for k, o in ops_by_key(sessions).items() if k in backed_off)
    # The next run sends what was never tried, and nothing before it is due.
    export(sessions, clock)
    assert {k for k, o in ops_by_key(sessions).items() if o.state == "pending"} == backed_off
    clock.advance(timedelta(hours=13).total_seconds())
    fake.fake.script = ["500"]
    export(sessions, clock)
    clock.advance(timedelta(hours=13).total_seconds())
    final = export(sessions, clock)
    assert final.failed == 0
    ops = ops_by_key(sessions)
    assert all(o.state == "acknowledged" for o in ops.values())
    assert {key for _, _, key in fake.fake.accepted} == set(ops)
    assert set(fake.fake.accept_count.values()) == {1}
    with sessions() as session:
        outcomes = set(session.scalars(select(AdvenirBatch.outcome)))
    assert outcomes == {"ok", "echec", "transport", "http_error"}


def test_one_rejected_operation_does_not_hold_back_the_batch(
        sessions: sessionmaker[Session], fake: RunningFake, clock: FixedClock) -> None:
    """ECHEC splits the batch in halves until the one bad operation is isolated."""
    setup_account(sessions, fake, clock, fmt="operation", batch_size=64)
    load_month(sessions, clock)
    with sessions() as session:
        account = config.get_account_by_name_or_raise(session, name="main")
        while derive_chunk(session, account=account, now=clock.now()).transactions:
            session.commit()
        session.commit()
    ids = sorted(int(k) for k in ops_by_key(sessions))
    bad = str(ids[10])
    fake.fake.poison = {bad}
    report = export(sessions, clock)
    assert (report.acknowledged, report.failed) == (len(ids) - 1, 1)
    ops = ops_by_key(sessions)
    assert [k for k, o in ops.items() if o.state == "pending"] == [bad]
    assert ops[bad].last_error == "ECHEC" and ops[bad].attempts >= 1
    # log2(64) halvings at most for the one batch that held it.
    assert report.requests <= len(ids) // 64 + 1 + 2 * 6


def test_hang_times_out_and_retries_later(sessions: sessionmaker[Session], fake: RunningFake,
                                          clock: FixedClock) -> None:
    setup_account(sessions, fake, clock, fmt="operation", batch_size=500, timeout_s=0.3)
    with sessions() as session:
        sim.write(session, sim.SimSession("CP-A", 1, T0, 0, [("charge", 10, 7.4)]),
                  now=clock.now())
        session.commit()
    fake.fake.default = "hang"
    report = export(sessions, clock)
    assert report.acknowledged == 0 and report.requests == 3  # first try + 2 quick retries
    assert "timeout" in report.errors[0]
    fake.fake.default = "ok"
    clock.advance(3600)
    assert export(sessions, clock).acknowledged == 1


def test_wrong_password_is_an_http_error(sessions: sessionmaker[Session], fake: RunningFake,
                                         clock: FixedClock) -> None:
    setup_account(sessions, fake, clock)
    with sessions() as session:
        config.configure_account(session, name="main", basic_password="wrong", now=clock.now())
        sim.write(session, sim.SimSession("CP-A", 1, T0, 0, [("charge", 10, 7.4)]),
                  now=clock.now())
        session.commit()
    report = export(sessions, clock)
    assert report.acknowledged == 0 and "HTTP 401" in report.errors[0]
    assert "wrong" not in " ".join(report.errors)


def test_overdue_station_alert(sessions: sessionmaker[Session], fake: RunningFake,
                               clock: FixedClock, caplog: pytest.LogCaptureFixture) -> None:
    setup_account(sessions, fake, clock, fmt="operation")
    with sessions() as session:
        sim.write(session, sim.SimSession("CP-B", 1, clock.now() - timedelta(days=2), 0,
                                          [("charge", 10, 7.4)]), now=clock.now())
        session.commit()
    fake.fake.default = "500"
    assert export(sessions, clock).alerts == []  # a month has not passed yet
    clock.advance(timedelta(days=40).total_seconds())
    report = export(sessions, clock)
    assert [(a.advenir_station_id, a.pending) for a in report.alerts] == [("R560", 1)]
    assert "R560" in caplog.text and "HTTP 500" in caplog.text


def test_dry_run_writes_json_and_records_nothing(sessions: sessionmaker[Session],
                                                 fake: RunningFake, clock: FixedClock,
                                                 tmp_path: object) -> None:
    from pathlib import Path
    assert isinstance(tmp_path, Path)
    setup_account(sessions, fake, clock, batch_size=100)
    load_month(sessions, clock)
    report = export(sessions, clock, dry_run_dir=tmp_path / "out", only=ExportFormat.COURBE)
    assert report.written_files and fake.fake.requests == []
    import json
    for path in report.written_files:
        assert fake.fake.check("courbe", json.loads(path.read_text())) == []
    assert all(o.state == "pending" for o in ops_by_key(sessions).values())
    # `--format courbe` leaves the operations without a curve for an operation run.
    export(sessions, clock, only=ExportFormat.COURBE)
    left = [o for o in ops_by_key(sessions).values() if o.state == "pending"]
    assert left and all(o.curve is None for o in left)
    export(sessions, clock, only=ExportFormat.OPERATION)
    assert all(o.state == "acknowledged" for o in ops_by_key(sessions).values())
    assert set(fake.fake.accept_count.values()) == {1}
