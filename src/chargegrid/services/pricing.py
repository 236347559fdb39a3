"""Price finished transactions from their stored meter values, and store the breakdown.

Inputs of a price, all read from what the station sent and we stored as received: the
transaction's start/stop times and meterStart/meterStop readings, its import-register
samples (`Energy.Active.Import.Register`, whole meter, Raw, Wh or kWh, read from the exact
text as Decimal — never through the float column), and the idle periods derived from them
(`billing.pricing.idle_from_samples`: below 100 W average between two samples = parked).

Re-pricing reads the same rows and the same tariff versions, so it yields the same
breakdown; a price that is already on a statement is frozen (corrections go through credit
notes) and is returned unchanged.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from chargegrid.billing import tariff as domain
from chargegrid.billing.pricing import (
    EnergySample,
    PriceBreakdown,
    SessionInput,
    idle_from_samples,
    price_session,
)
from chargegrid.bus.events import Event, TransactionEnded
from chargegrid.clock import Clock
from chargegrid.domain.meter import ENERGY_REGISTER
from chargegrid.domain.transactions import TransactionState
from chargegrid.errors import ChargeGridError, ConflictError, NotFoundError
from chargegrid.services import tariffs
from chargegrid.store.deferred import flush_deferred
from chargegrid.store.models import (
    IdToken,
    MeterValue,
    Station,
    Transaction,
    User,
    UserGroup,
)
from chargegrid.store.models.billing import (
    SessionPrice,
    StatementItem,
    Tariff,
    TariffAssignment,
)

log = logging.getLogger(__name__)
# Transactions priced per query round in the pricing job.
PRICING_CHUNK = 500
KWH_UNITS = {"Wh": Decimal(1), "kWh": Decimal(1000)}


@dataclass(slots=True)
class Lookups:
    """Per-batch memo of what many sessions share (payer by token, groups by user, stations,
    assignments by organisation, tariffs as domain objects), so pricing a month of sessions
    does not re-read the same rows for each. Valid for one database transaction only."""

    payers: dict[str | None, tuple[int | None, int | None, int | None]] = field(
        default_factory=dict)
    groups: dict[int, list[UserGroup]] = field(default_factory=dict)
    stations: dict[str, Station] = field(default_factory=dict)
    assignments: dict[int, list[TariffAssignment]] = field(default_factory=dict)
    tariffs: dict[tuple[str, int | None], Tariff | None] = field(default_factory=dict)
    domains: dict[int, domain.Tariff] = field(default_factory=dict)

    def groups_of(self, session: Session, user_id: int) -> list[UserGroup]:
        if user_id not in self.groups:
            self.groups[user_id] = tariffs.groups_of(session, user_id=user_id)
        return self.groups[user_id]

    def payer(self, session: Session, tx: Transaction) -> tuple[int | None, int | None,
                                                                 int | None]:
        """(user id, cost centre id, user's organisation id) of the session's token."""
        if tx.id_tag not in self.payers:
            user = _user_of_token(session, tx.id_tag)
            if user is None:
                self.payers[tx.id_tag] = (None, None, None)
            else:
                centre = next((g.cost_centre_id for g in self.groups_of(session, user.id)
                               if g.cost_centre_id is not None), None)
                self.payers[tx.id_tag] = (user.id, centre, user.organisation_id)
        return self.payers[tx.id_tag]

    def station(self, session: Session, station_id: str) -> Station:
        if station_id not in self.stations:
            station = session.get(Station, station_id)
            if station is None:
                raise NotFoundError(f"station {station_id} does not exist")
            self.stations[station_id] = station
        return self.stations[station_id]

    def tariff(self, session: Session, station_id: str, user_id: int | None) -> Tariff | None:
        """The tariff for a station and user (tariffs.resolve, from memoised rows)."""
        key = (station_id, user_id)
        if key not in self.tariffs:
            station = self.station(session, station_id)
            org = station.organisation_id
            if org not in self.assignments:
                self.assignments[org] = tariffs.list_assignments(session, organisation_id=org)
            groups = self.groups_of(session, user_id) if user_id is not None else []
            chosen = tariffs.choose(self.assignments[org], station=station, groups=groups)
            self.tariffs[key] = (None if chosen is None
                                 else session.get(Tariff, chosen.tariff_id))
        return self.tariffs[key]

    def domain(self, session: Session, row: Tariff) -> domain.Tariff:
        if row.id not in self.domains:
            self.domains[row.id] = tariffs.to_domain(session, tariff=row)
        return self.domains[row.id]

    def organisation(self, session: Session, station_id: str) -> int:
        return self.station(session, station_id).organisation_id


def _user_of_token(session: Session, token: str | None) -> User | None:
    if token is None:
        return None
    user_id = session.scalar(select(IdToken.user_id).where(IdToken.token == token))
    return session.get(User, user_id) if user_id is not None else None


RegisterRow = tuple[datetime, str, str | None, str | None, str]  # at, value, unit, phase, format


def register_rows(session: Session, *,
                  transaction_ids: Sequence[int]) -> dict[int, list[RegisterRow]]:
    """The import-register rows of many transactions in one query (Core, not ORM objects:
    pricing a month reads hundreds of thousands of them)."""
    flush_deferred(session)
    out: dict[int, list[RegisterRow]] = defaultdict(list)
    if not transaction_ids:
        return out
    query = (select(MeterValue.transaction_id, MeterValue.timestamp, MeterValue.value,
                    MeterValue.unit, MeterValue.phase, MeterValue.format)
             .where(MeterValue.transaction_id.in_(list(transaction_ids)),
                    MeterValue.measurand == ENERGY_REGISTER)
             .order_by(MeterValue.transaction_id, MeterValue.timestamp, MeterValue.id))
    for tx_id, at, value, unit, phase, fmt in session.execute(query):
        assert tx_id is not None  # filtered by IN
        out[tx_id].append((at, value, unit, phase, fmt))
    return out


def register_samples(tx: Transaction, rows: Sequence[RegisterRow]) -> tuple[EnergySample, ...]:
    """The transaction's import-register readings in Wh, with meterStart/meterStop at the
    start and stop times (a reading that is signed, phased or in another unit is skipped)."""
    out: list[EnergySample] = []
    if tx.meter_start_wh is not None:
        out.append(EnergySample(tx.started_at, Decimal(tx.meter_start_wh)))
    for at, value, unit, phase, fmt in rows:
        factor = KWH_UNITS.get(unit or "Wh")
        if phase is not None or fmt != "Raw" or factor is None:
            continue
        try:
            wh = Decimal(value.strip()) * factor
        except InvalidOperation:
            continue
        if wh.is_finite() and tx.started_at <= at <= (tx.stopped_at or at):
            out.append(EnergySample(at, wh))
    if tx.meter_stop_wh is not None and tx.stopped_at is not None:
        out.append(EnergySample(tx.stopped_at, Decimal(tx.meter_stop_wh)))
    return tuple(out)


def session_input(tx: Transaction, rows: Sequence[RegisterRow]) -> SessionInput:
    """What the engine needs, from the stored transaction and its register rows."""
    if tx.state != TransactionState.ENDED.value or tx.stopped_at is None:
        raise ConflictError(f"transaction {tx.id} has not ended; only finished sessions are "
                            f"priced")
    samples = register_samples(tx, rows)
    return SessionInput(tx.started_at, tx.stopped_at, samples, idle_from_samples(samples))


def payer_of(session: Session, *, tx: Transaction) -> tuple[User | None, int | None]:
    """The user behind the session's id token and their cost centre (first group that has
    one), or (None, None) for an unknown or anonymous token."""
    user = _user_of_token(session, tx.id_tag)
    if user is None:
        return None, None
    centre = next((g.cost_centre_id for g in tariffs.groups_of(session, user_id=user.id)
                   if g.cost_centre_id is not None), None)
    return user, centre


def breakdown_of(row: SessionPrice) -> PriceBreakdown:
    """The stored breakdown as the engine's value object."""
    return PriceBreakdown.from_json(row.breakdown)


def get_or_raise(session: Session, *, transaction_id: int) -> SessionPrice:
    """The stored price of a transaction, or NotFoundError."""
    row = session.scalar(select(SessionPrice).where(
        SessionPrice.transaction_id == transaction_id))
    if row is None:
        raise NotFoundError(f"transaction {transaction_id} has not been priced")
    return row


def _price_values(session: Session, tx: Transaction, rows: Sequence[RegisterRow],
                  memo: Lookups) -> dict[str, Any]:
    """The session_prices columns of one transaction (no write: errors leave nothing)."""
    data = session_input(tx, rows)
    user_id, centre, payer_org = memo.payer(session, tx)
    tariff = memo.tariff(session, tx.station_id, user_id)
    if tariff is None:
        raise NotFoundError(f"no tariff is assigned for transaction {tx.id} at station "
                            f"{tx.station_id}")
    breakdown = price_session(memo.domain(session, tariff), data)
    return dict(
        tariff_id=tariff.id, tariff_version_ids=list(breakdown.version_ids),
        organisation_id=memo.organisation(session, tx.station_id),
        payer_organisation_id=payer_org,
        user_id=user_id, cost_centre_id=centre, station_id=tx.station_id,
        started_at=tx.started_at, stopped_at=data.stopped_at, currency=breakdown.currency,
        energy_kwh=breakdown.energy_kwh, net=breakdown.net, vat=breakdown.vat,
        total=breakdown.total, breakdown=breakdown.to_json())


def price_transaction(session: Session, transaction_id: int, *, now: datetime,
                      lookups: Lookups | None = None) -> SessionPrice:
    """Price a finished transaction and store (or refresh) its price; a price already billed
    on a statement is returned unchanged. `lookups` shares reads across a batch."""
    memo = lookups or Lookups()
    tx = session.get(Transaction, transaction_id)
    if tx is None:
        raise NotFoundError(f"transaction {transaction_id} does not exist")
    existing = session.scalar(select(SessionPrice).where(
        SessionPrice.transaction_id == tx.id))
    if existing is not None and session.scalar(select(StatementItem.id).where(
            StatementItem.transaction_id == tx.id).limit(1)) is not None:
        return existing
    rows = register_rows(session, transaction_ids=[tx.id]).get(tx.id, [])
    values = _price_values(session, tx, rows, memo)
    if existing is None:
        fresh = SessionPrice(transaction_id=tx.id, priced_at=now, **values)
        try:
            with session.begin_nested():  # the AutoPricer and the ad-hoc flow may race
                session.add(fresh)
                session.flush()
            return fresh
        except IntegrityError:
            existing = session.scalar(select(SessionPrice).where(
                SessionPrice.transaction_id == tx.id))
            if existing is None:
                raise ConflictError(f"transaction {tx.id} is being priced concurrently; "
                                    f"try again") from None
    if any(getattr(existing, k) != v for k, v in values.items()):
        for key, value in values.items():
            setattr(existing, key, value)
        existing.priced_at = now
    session.flush()
    return existing


def unpriced_ids(session: Session, *, organisation_id: int | None = None,
                 stopped_before: datetime | None = None, limit: int = 1000) -> list[int]:
    """Finished transactions without a price yet, oldest stop first."""
    query = (select(Transaction.id)
             .outerjoin(SessionPrice, SessionPrice.transaction_id == Transaction.id)
             .where(Transaction.state == TransactionState.ENDED.value,
                    SessionPrice.id.is_(None)))
    if organisation_id is not None:
        query = query.join(Station, Station.id == Transaction.station_id).where(
            Station.organisation_id == organisation_id)
    if stopped_before is not None:
        query = query.where(Transaction.stopped_at < stopped_before)
    return list(session.scalars(query.order_by(Transaction.stopped_at, Transaction.id)
                                .limit(limit)))


def price_pending(session: Session, *, now: datetime, organisation_id: int | None = None,
                  stopped_before: datetime | None = None,
                  limit: int = 1000) -> tuple[int, dict[int, str]]:
    """The pricing job: price every finished, unpriced transaction, in chunks (one query for
    the chunk's transactions, one for their register samples, one bulk insert). A session
    that cannot be priced — no tariff, a falling register — is reported, not fatal; one
    priced meanwhile by another worker (AutoPricer) is skipped by the insert (ON CONFLICT DO
    NOTHING). Returns (priced count, {transaction id: why it was not priced})."""
    priced, failed = 0, {}
    memo = Lookups()
    ids = unpriced_ids(session, organisation_id=organisation_id,
                       stopped_before=stopped_before, limit=limit)
    table = SessionPrice.__table__
    dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" \
        else sqlite_insert
    for start in range(0, len(ids), PRICING_CHUNK):
        chunk = ids[start:start + PRICING_CHUNK]
        txs = session.scalars(select(Transaction).where(Transaction.id.in_(chunk))
                              .order_by(Transaction.id)).all()
        rows = register_rows(session, transaction_ids=chunk)
        out: list[dict[str, Any]] = []
        for tx in txs:
            try:
                out.append({"transaction_id": tx.id, "priced_at": now,
                            **_price_values(session, tx, rows.get(tx.id, []), memo)})
            except ChargeGridError as err:
                failed[tx.id] = err.message
        if out:
            stmt = dialect_insert(table).on_conflict_do_nothing(  # type: ignore[arg-type]
                index_elements=["transaction_id"])
            session.execute(stmt, out)
            priced += len(out)  # one priced meanwhile elsewhere is counted, not duplicated
    return priced, failed


class AutoPricer:
    """Prices each transaction right after it ends, off the charger's path.

    Subscribed to the bus: `TransactionEnded` is published after the stop is committed, and
    the subscriber only schedules a task (bus subscribers must be quick), so the station's
    answer is never delayed. The task prices in a worker thread with its own session and
    commit; a session that cannot be priced (no tariff, falling register) is logged and left
    for `price_pending` / the next billing run, which report it.
    """

    def __init__(self, sessions: Callable[[], Session], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock
        self._tasks: set[asyncio.Task[SessionPrice | None]] = set()

    def attach(self, bus: Any) -> AutoPricer:
        """Subscribe to the bus; returns self."""
        bus.subscribe(self._on_event)
        return self

    def _on_event(self, event: Event) -> None:
        if not isinstance(event, TransactionEnded):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # published outside an event loop (a script): priced later
            return
        task = loop.create_task(asyncio.to_thread(self.price_now, event.transaction_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def price_now(self, transaction_id: int) -> SessionPrice | None:
        """Price one transaction in its own transaction; None when it cannot be priced."""
        with self._sessions() as session:
            try:
                row = price_transaction(session, transaction_id, now=self._clock.now())
                session.commit()
                return row
            except ChargeGridError as err:
                session.rollback()
                log.info("transaction %s not priced: %s", transaction_id, err.message)
            except SQLAlchemyError:  # e.g. a lock timeout: the pricing job retries it
                session.rollback()
                log.warning("transaction %s not priced now", transaction_id, exc_info=True)
            return None

    async def drain(self) -> None:
        """Wait for the pricing tasks in flight (tests, shutdown)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
