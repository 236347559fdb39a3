"""Billing runs: statements per user, per cost centre and per organisation for a period,
and invoices for the users billed externally.

A run over a period (a calendar month, "2026-10", in the given time zone — UTC by default)
first prices any finished transaction still unpriced, then takes every priced session of the
seller organisation that stopped inside the period and is not yet on a statement *of that
kind*, and issues one statement per subject and currency:

* `user`: the driver (sessions by anonymous/unknown tokens have none);
* `cost_centre`: the driver's cost centre (internal billing);
* `organisation`: the driver's organisation (inter-company billing; for the seller's own
  organisation it is the internal grand total).

Idempotent: `statement_items` is unique per (kind, transaction), so a second run over the
same period finds nothing left and issues nothing (and records no run); a session priced
late is billed by the next run, on a new statement. Totals are sums of session totals that
are already in cents, so each statement reconciles to the cent with its sessions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, insert, select
from sqlalchemy.orm import Session, defer

from chargegrid.errors import InvalidInputError, NotFoundError
from chargegrid.services import invoices, pricing
from chargegrid.store.models.billing import (
    BillingProfile,
    BillingRun,
    SessionPrice,
    Statement,
    StatementItem,
)

KINDS = ("user", "cost_centre", "organisation")
Progress = Callable[[int, int], None]


@dataclass(slots=True)
class RunResult:
    """What a run did: `run_id` is None when there was nothing new to bill."""

    run_id: int | None
    period: str
    sessions: int = 0
    statements: int = 0
    invoices: int = 0
    priced: int = 0
    unpriceable: dict[int, str] = field(default_factory=dict)


def period_bounds(period: str, timezone: str = "UTC") -> tuple[datetime, datetime]:
    """`YYYY-MM` → [first instant of the month, first instant of the next) in UTC, the
    month being taken in `timezone`."""
    try:
        year, month = (int(x) for x in period.split("-"))
        if len(period) != 7 or not 1 <= month <= 12 or year < 2000:
            raise ValueError(period)
    except ValueError as err:
        raise InvalidInputError(f"period: expected YYYY-MM, got {period!r}") from err
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise InvalidInputError(f"timezone: unknown time zone {timezone!r}") from err
    start = datetime(year, month, 1, tzinfo=zone)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def _subject(row: SessionPrice, kind: str) -> int | None:
    if kind == "user":
        return row.user_id
    if kind == "cost_centre":
        return row.cost_centre_id
    return row.payer_organisation_id


def _in_period(session: Session, *, organisation_id: int, start: datetime,
               end: datetime) -> tuple[list[SessionPrice], set[tuple[str, int]]]:
    """The period's priced sessions (without their breakdown JSON, not needed here) and the
    (kind, transaction) pairs already on a statement — two queries for the whole run."""
    in_period = and_(SessionPrice.organisation_id == organisation_id,
                     SessionPrice.stopped_at >= start, SessionPrice.stopped_at < end)
    prices = list(session.scalars(
        select(SessionPrice).options(defer(SessionPrice.breakdown)).where(in_period)
        .order_by(SessionPrice.stopped_at, SessionPrice.transaction_id)))
    billed = {(kind, tx_id) for kind, tx_id in session.execute(
        select(StatementItem.kind, StatementItem.transaction_id).join(
            SessionPrice, SessionPrice.transaction_id == StatementItem.transaction_id)
        .where(in_period))}
    return prices, billed


def run(session: Session, *, organisation_id: int, period: str, now: datetime,
        timezone: str = "UTC", progress: Progress | None = None) -> RunResult:
    """Bill one period for one seller organisation (see the module docstring). The caller
    commits; on any error nothing of the run is kept."""
    start, end = period_bounds(period, timezone)
    result = RunResult(run_id=None, period=period)
    result.priced, result.unpriceable = pricing.price_pending(
        session, now=now, organisation_id=organisation_id, stopped_before=end, limit=10**9)
    groups: dict[tuple[str, int, str], list[SessionPrice]] = defaultdict(list)
    seen: set[int] = set()
    prices, billed = _in_period(session, organisation_id=organisation_id, start=start,
                                end=end)
    for kind in KINDS:
        for row in prices:
            subject = _subject(row, kind)
            if subject is not None and (kind, row.transaction_id) not in billed:
                groups[(kind, subject, row.currency)].append(row)
                seen.add(row.transaction_id)
    if not groups:
        return result
    billing_run = BillingRun(organisation_id=organisation_id, period=period,
                             period_start=start, period_end=end, session_count=len(seen),
                             statement_count=len(groups), invoice_count=0, created_at=now)
    session.add(billing_run)
    session.flush()
    invoiced = set(session.scalars(select(BillingProfile.user_id).where(
        BillingProfile.invoice.is_(True))))
    items: list[dict[str, object]] = []
    to_invoice: list[tuple[Statement, list[SessionPrice]]] = []
    for done, ((kind, subject, currency), rows) in enumerate(sorted(groups.items()), 1):
        statement = Statement(
            run_id=billing_run.id, organisation_id=organisation_id, period=period, kind=kind,
            subject_id=subject, currency=currency, session_count=len(rows),
            energy_kwh=sum((r.energy_kwh for r in rows), Decimal(0)),
            net=sum((r.net for r in rows), Decimal(0)),
            vat=sum((r.vat for r in rows), Decimal(0)),
            total=sum((r.total for r in rows), Decimal(0)), created_at=now)
        session.add(statement)
        session.flush()
        items.extend({"statement_id": statement.id, "kind": kind,
                      "transaction_id": r.transaction_id, "total": r.total} for r in rows)
        if kind == "user" and subject in invoiced:
            to_invoice.append((statement, rows))
        if progress is not None:
            progress(done, len(groups))
    session.execute(insert(StatementItem), items)
    for statement, rows in to_invoice:
        invoices.issue(session, statement=statement, sessions=rows, now=now)
    billing_run.invoice_count = len(to_invoice)
    session.flush()
    result.run_id = billing_run.id
    result.sessions, result.statements, result.invoices = len(seen), len(groups), len(
        to_invoice)
    return result


def list_runs(session: Session, *, organisation_id: int) -> list[BillingRun]:
    """An organisation's runs, newest first."""
    return list(session.scalars(select(BillingRun).where(
        BillingRun.organisation_id == organisation_id).order_by(BillingRun.id.desc())))


def list_statements(session: Session, *, organisation_id: int, period: str | None = None,
                    kind: str | None = None) -> list[Statement]:
    """Statements, filtered by period and kind."""
    query = select(Statement).where(Statement.organisation_id == organisation_id)
    if period is not None:
        query = query.where(Statement.period == period)
    if kind is not None:
        if kind not in KINDS:
            raise InvalidInputError(f"kind: one of {', '.join(KINDS)}, got {kind!r}")
        query = query.where(Statement.kind == kind)
    return list(session.scalars(query.order_by(Statement.id)))


def get_statement_or_raise(session: Session, *, statement_id: int,
                           organisation_id: int | None = None) -> Statement:
    """A statement, or NotFoundError (also when it belongs to another organisation)."""
    row = session.get(Statement, statement_id)
    if row is None or (organisation_id is not None and row.organisation_id != organisation_id):
        raise NotFoundError(f"statement {statement_id} does not exist")
    return row


def statement_sessions(session: Session, *, statement_id: int) -> list[SessionPrice]:
    """The priced sessions on a statement, in stop order."""
    return list(session.scalars(select(SessionPrice).join(
        StatementItem, StatementItem.transaction_id == SessionPrice.transaction_id).where(
        StatementItem.statement_id == statement_id).order_by(SessionPrice.stopped_at,
                                                             SessionPrice.transaction_id)))
