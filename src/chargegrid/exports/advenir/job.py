"""The export job: derive new operations, send everything not yet acknowledged, raise the
overdue alerts. One call is one run; `run_forever` repeats it for `chargegrid serve` or a
side-car, so an operator configures an account once and never thinks about it again.

Each chunk of derivation and each batch sent is its own database transaction, committed
before the next: a crash loses at most the batch in flight, which stays pending.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session, sessionmaker

from chargegrid.aio import wait_event
from chargegrid.clock import Clock
from chargegrid.exports.advenir import alerts, config, derive, sender
from chargegrid.exports.advenir.client import AdvenirClient
from chargegrid.exports.advenir.payloads import ExportFormat
from chargegrid.store.models import AdvenirAccount, AdvenirOperation

log = logging.getLogger(__name__)

PosterFactory = Callable[[AdvenirAccount], AdvenirClient]
Progress = Callable[[str, int, int], None]  # (stage, done so far, total)


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """What a run sends: `only` one format, operations started `since`, a `dry_run_dir`
    that receives the request bodies instead of the service (nothing is recorded)."""

    only: ExportFormat | None = None
    since: datetime | None = None
    dry_run_dir: Path | None = None
    account: str | None = None
    respect_backoff: bool = True


@dataclass(slots=True)
class ExportReport:
    derived_transactions: int = 0
    derived_operations: int = 0
    requests: int = 0
    acknowledged: int = 0
    failed: int = 0
    written_files: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    alerts: list[alerts.OverdueStation] = field(default_factory=list)


def _accounts(sessions: sessionmaker[Session], name: str | None) -> list[AdvenirAccount]:
    with sessions() as session:
        if name is not None:
            return [config.get_account_by_name_or_raise(session, name=name)]
        return [a for a in config.list_accounts(session) if a.enabled]


def _derive_all(sessions: sessionmaker[Session], account: AdvenirAccount, clock: Clock,
                report: ExportReport) -> None:
    while True:
        with sessions() as session:
            result = derive.derive_chunk(session, account=account, now=clock.now())
            session.commit()
        if result.transactions == 0:
            return
        report.derived_transactions += result.transactions
        report.derived_operations += result.operations


def pending_count(session: Session, *, account: AdvenirAccount) -> int:
    """Operations of the account not yet acknowledged."""
    return session.scalar(select(func.count(AdvenirOperation.id)).where(
        AdvenirOperation.account_id == account.id,
        AdvenirOperation.state == "pending")) or 0


def _send_all(sessions: sessionmaker[Session], account: AdvenirAccount, options: ExportOptions,
              poster: sender.Poster | None, clock: Clock, sleep: Callable[[float], None],
              progress: Progress | None, report: ExportReport) -> None:
    with sessions() as session:
        total = pending_count(session, account=account)
    done = 0
    for selection in sender.selections(account, options.only, options.since):
        after_id = 0
        while True:
            with sessions() as session:
                rows = sender.claim_batch(session, account=account, selection=selection,
                                          after_id=after_id, now=clock.now(),
                                          respect_backoff=options.respect_backoff)
                if not rows:
                    break
                after_id = rows[-1].id
                if poster is None:
                    _write_dry_run(account, selection.fmt, rows, options, report)
                    outcome = sender.BatchOutcome()
                else:
                    outcome = sender.deliver(session, account=account, fmt=selection.fmt,
                                             rows=rows, poster=poster, clock=clock,
                                             sleep=sleep)
                    session.commit()
            done += len(rows)
            report.requests += outcome.requests
            report.acknowledged += outcome.acknowledged
            report.failed += outcome.failed
            report.errors.extend(f"{account.name}: {e}" for e in outcome.errors)
            if progress is not None:
                progress(account.name, done, total)
            if outcome.stop:
                log.warning("ADVENIR %s: service unavailable (%s); retrying later",
                            account.name, outcome.errors[-1])
                return


def _write_dry_run(account: AdvenirAccount, fmt: ExportFormat, rows: Sequence[Row[Any]],
                   options: ExportOptions, report: ExportReport) -> None:
    assert options.dry_run_dir is not None
    options.dry_run_dir.mkdir(parents=True, exist_ok=True)
    index = len(report.written_files) + 1
    path = options.dry_run_dir / f"advenir-{account.name}-{fmt.value}-{index:05d}.json"
    path.write_bytes(sender.render(account, fmt, rows))
    report.written_files.append(path)


def run_export(sessions: sessionmaker[Session], *, clock: Clock,
               options: ExportOptions = ExportOptions(),
               poster_factory: PosterFactory = AdvenirClient.for_account,
               sleep: Callable[[float], None] = time.sleep,
               progress: Progress | None = None) -> ExportReport:
    """One run over every enabled account (or the one named)."""
    report = ExportReport()
    for account in _accounts(sessions, options.account):
        # Deriving is bookkeeping, deterministic and sends nothing: a dry run does it too,
        # so it shows the TransactionIDs the real run will use.
        _derive_all(sessions, account, clock, report)
        if options.dry_run_dir is not None:
            _send_all(sessions, account, options, None, clock, sleep, progress, report)
            continue
        with poster_factory(account) as client:
            _send_all(sessions, account, options, client, clock, sleep, progress, report)
    with sessions() as session:
        report.alerts = alerts.overdue_stations(session, now=clock.now())
    alerts.report(report.alerts)
    return report


async def run_forever(sessions: sessionmaker[Session], *, clock: Clock, interval_s: float,
                      stop: asyncio.Event,
                      poster_factory: PosterFactory = AdvenirClient.for_account) -> None:
    """Run an export every `interval_s` until `stop` is set; a failed run is logged and
    the next one tries again (the books make every run safe to repeat)."""
    while not stop.is_set():
        try:
            await asyncio.to_thread(run_export, sessions, clock=clock,
                                    poster_factory=poster_factory)
        except Exception:
            log.exception("ADVENIR export run failed")
        await wait_event(stop, interval_s)
