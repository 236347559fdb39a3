"""Send pending operations in bounded batches and keep the books: what was acknowledged is
never sent again, what failed is kept and retried later with back-off.

The rules that make "loses nothing, duplicates nothing" hold:

* An operation becomes `acknowledged` only in the same database transaction that records an
  `{"statut": "OK"}` to a request carrying it; anything else (ECHEC, HTTP error, timeout,
  dropped connection, a crash before the commit) leaves it `pending`.
* A pending operation is re-sent with the same TransactionID (its row id) and the same
  values, so a request that reached ADVENIR but whose answer was lost is a replay of the
  same operation there, not a second one.
* ECHEC rejects a whole request; one bad operation must not hold back the others, so a
  rejected batch is split in halves and each half sent again, down to the single operation,
  which alone is put on back-off.
* A transport or HTTP error says the service is unwell: the batch is retried a few times
  after short pauses, then put on back-off, and the run stops for that account.
* On PostgreSQL a batch is claimed `FOR UPDATE SKIP LOCKED`, so two export jobs running by
  mistake never send the same batch at the same time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Row, insert, or_, select, update
from sqlalchemy.orm import Session

from chargegrid.clock import Clock
from chargegrid.exports.advenir.client import PostResult
from chargegrid.exports.advenir.operations import unix_seconds
from chargegrid.exports.advenir.payloads import ExportFormat, OutgoingOperation, body, encode
from chargegrid.store.models import AdvenirAccount, AdvenirBatch, AdvenirOperation

BACKOFF_BASE = timedelta(minutes=5)
BACKOFF_MAX = timedelta(hours=12)
RETRY_DELAYS_S: tuple[float, ...] = (2.0, 10.0)

_COLUMNS = (AdvenirOperation.id, AdvenirOperation.advenir_station_id,
            AdvenirOperation.started_at, AdvenirOperation.stopped_at,
            AdvenirOperation.start_wh, AdvenirOperation.stop_wh, AdvenirOperation.curve,
            AdvenirOperation.attempts)


class Poster(Protocol):
    """What sends a body: the real client, or a fake in tests."""

    def post(self, fmt: ExportFormat, body: bytes) -> PostResult: ...


@dataclass(frozen=True, slots=True)
class Selection:
    """Which pending operations a pass sends, and in which format."""

    fmt: ExportFormat
    with_curve: bool | None  # True: only those with a curve; False: only without; None: all
    since: datetime | None = None


@dataclass(slots=True)
class BatchOutcome:
    requests: int = 0
    acknowledged: int = 0
    failed: int = 0
    stop: bool = False
    errors: list[str] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    """5 min, 10, 20, ... capped at 12 h: a day-long outage costs a few dozen requests."""
    delay: timedelta = BACKOFF_BASE * (2 ** min(max(0, attempts - 1), 16))
    return min(delay, BACKOFF_MAX)


def selections(account: AdvenirAccount, only: ExportFormat | None,
               since: datetime | None) -> list[Selection]:
    """The passes of a run. `auto` accounts send a load curve where there is one (the
    annex's preferred format) and operations for the rest; `only` restricts a run."""
    if only is ExportFormat.COURBE:
        return [Selection(ExportFormat.COURBE, True, since)]
    if only is ExportFormat.OPERATION or account.format == "operation":
        return [Selection(ExportFormat.OPERATION, None, since)]
    return [Selection(ExportFormat.COURBE, True, since),
            Selection(ExportFormat.OPERATION, False, since)]


def claim_batch(session: Session, *, account: AdvenirAccount, selection: Selection,
                after_id: int, now: datetime, respect_backoff: bool = True,
                ) -> Sequence[Row[Any]]:
    """The next pending operations after `after_id` (keyset: memory stays one batch)."""
    query = select(*_COLUMNS).where(
        AdvenirOperation.account_id == account.id,
        AdvenirOperation.state == "pending",
        AdvenirOperation.id > after_id,
    )
    if respect_backoff:
        query = query.where(or_(AdvenirOperation.next_attempt_at.is_(None),
                                AdvenirOperation.next_attempt_at <= now))
    if selection.with_curve is True:
        query = query.where(AdvenirOperation.curve.is_not(None))
    elif selection.with_curve is False:
        query = query.where(AdvenirOperation.curve.is_(None))
    if selection.since is not None:
        query = query.where(AdvenirOperation.started_at >= selection.since)
    query = query.order_by(AdvenirOperation.id).limit(account.batch_size)
    return session.execute(query.with_for_update(skip_locked=True)).all()


def outgoing(row: Row[Any]) -> OutgoingOperation:
    curve = row.curve
    return OutgoingOperation(
        key=str(row.id), station=row.advenir_station_id,
        start_ts=unix_seconds(row.started_at), stop_ts=unix_seconds(row.stopped_at),
        start_wh=row.start_wh, stop_wh=row.stop_wh,
        curve=tuple((int(ts), int(wh)) for ts, wh in curve) if curve is not None else None,
    )


def render(account: AdvenirAccount, fmt: ExportFormat, rows: Sequence[Row[Any]]) -> bytes:
    """The exact request body for these operations."""
    return encode(body(fmt, account.user_id, (outgoing(r) for r in rows)))


def deliver(session: Session, *, account: AdvenirAccount, fmt: ExportFormat,
            rows: Sequence[Row[Any]], poster: Poster, clock: Clock,
            sleep: Callable[[float], None],
            retry_delays: Sequence[float] = RETRY_DELAYS_S) -> BatchOutcome:
    """Send one claimed batch and record the result; the caller commits."""
    outcome = BatchOutcome()
    _deliver(session, account, fmt, list(rows), poster, clock, sleep, retry_delays, outcome)
    return outcome


def _deliver(session: Session, account: AdvenirAccount, fmt: ExportFormat,
             rows: list[Row[Any]], poster: Poster, clock: Clock,
             sleep: Callable[[float], None], retry_delays: Sequence[float],
             outcome: BatchOutcome) -> None:
    payload = render(account, fmt, rows)
    delays = list(retry_delays)
    while True:
        result, batch_id = _post_logged(session, account, fmt, len(rows), payload, poster,
                                        clock)
        outcome.requests += 1
        if result.outcome in ("ok", "echec") or not delays:
            break
        sleep(delays.pop(0))
    ids = [r.id for r in rows]
    if result.ok:
        session.execute(update(AdvenirOperation).where(AdvenirOperation.id.in_(ids)).values(
            state="acknowledged", format=fmt.value, acknowledged_at=clock.now(),
            attempts=AdvenirOperation.attempts + 1, last_attempt_at=clock.now(),
            last_error=None, next_attempt_at=None, batch_id=batch_id,
        ))
        outcome.acknowledged += len(rows)
        return
    if result.outcome == "echec" and len(rows) > 1:
        middle = len(rows) // 2
        for half in (rows[:middle], rows[middle:]):
            _deliver(session, account, fmt, half, poster, clock, sleep, (), outcome)
        return
    attempts = max(r.attempts for r in rows) + 1
    error = result.error or result.outcome
    session.execute(update(AdvenirOperation).where(AdvenirOperation.id.in_(ids)).values(
        format=fmt.value, attempts=AdvenirOperation.attempts + 1,
        last_attempt_at=clock.now(), last_error=error,
        next_attempt_at=clock.now() + backoff(attempts),
    ))
    outcome.failed += len(rows)
    outcome.errors.append(error)
    if result.outcome != "echec":
        outcome.stop = True


def _post_logged(session: Session, account: AdvenirAccount, fmt: ExportFormat, count: int,
                 payload: bytes, poster: Poster, clock: Clock) -> tuple[PostResult, int]:
    """Post and write the request to the batch log (the audit trail of every request)."""
    sent_at = clock.now()
    result = poster.post(fmt, payload)
    batch_id = session.execute(insert(AdvenirBatch).values(
        account_id=account.id, format=fmt.value, operations=count, outcome=result.outcome,
        http_status=result.http_status, error=result.error, sent_at=sent_at,
        answered_at=clock.now(),
    ).returning(AdvenirBatch.id)).scalar_one()
    return result, int(batch_id)
