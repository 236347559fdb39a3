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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
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
from chargegrid.services import meter_values, tariffs
from chargegrid.store.models import IdToken, Station, Transaction, User
from chargegrid.store.models.billing import SessionPrice, StatementItem, Tariff

log = logging.getLogger(__name__)
KWH_UNITS = {"Wh": Decimal(1), "kWh": Decimal(1000)}


@dataclass(slots=True)
class Lookups:
    """Per-batch memo of what many sessions share (payer by token, tariff by station and
    user, tariffs as domain objects, station organisations), so pricing a month of sessions
    does not re-read the same rows for each. Valid for one database transaction only."""

    payers: dict[str | None, tuple[int | None, int | None, int | None]] = field(
        default_factory=dict)
    tariffs: dict[tuple[str, int | None], Tariff | None] = field(default_factory=dict)
    domains: dict[int, domain.Tariff] = field(default_factory=dict)
    organisations: dict[str, int] = field(default_factory=dict)

    def payer(self, session: Session, tx: Transaction) -> tuple[int | None, int | None,
                                                                 int | None]:
        """(user id, cost centre id, user's organisation id) of the session's token."""
        if tx.id_tag not in self.payers:
            user, centre = payer_of(session, tx=tx)
            self.payers[tx.id_tag] = ((user.id, centre, user.organisation_id) if user
                                      else (None, None, None))
        return self.payers[tx.id_tag]

    def tariff(self, session: Session, station_id: str, user_id: int | None) -> Tariff | None:
        key = (station_id, user_id)
        if key not in self.tariffs:
            self.tariffs[key] = tariffs.resolve(session, station_id=station_id,
                                                user_id=user_id)
        return self.tariffs[key]

    def domain(self, session: Session, row: Tariff) -> domain.Tariff:
        if row.id not in self.domains:
            self.domains[row.id] = tariffs.to_domain(session, tariff=row)
        return self.domains[row.id]

    def organisation(self, session: Session, station_id: str) -> int:
        if station_id not in self.organisations:
            station = session.get(Station, station_id)
            assert station is not None  # transactions.station_id is a foreign key
            self.organisations[station_id] = station.organisation_id
        return self.organisations[station_id]


def register_samples(session: Session, *, tx: Transaction) -> tuple[EnergySample, ...]:
    """The transaction's import-register readings in Wh, with meterStart/meterStop at the
    start and stop times (a reading that is signed, phased or in another unit is skipped)."""
    out: list[EnergySample] = []
    if tx.meter_start_wh is not None:
        out.append(EnergySample(tx.started_at, Decimal(tx.meter_start_wh)))
    for row in meter_values.for_transaction(session, transaction_id=tx.id,
                                            measurand=ENERGY_REGISTER):
        factor = KWH_UNITS.get(row.unit or "Wh")
        if row.phase is not None or row.format != "Raw" or factor is None:
            continue
        try:
            wh = Decimal(row.value.strip()) * factor
        except InvalidOperation:
            continue
        if wh.is_finite() and tx.started_at <= row.timestamp <= (tx.stopped_at or row.timestamp):
            out.append(EnergySample(row.timestamp, wh))
    if tx.meter_stop_wh is not None and tx.stopped_at is not None:
        out.append(EnergySample(tx.stopped_at, Decimal(tx.meter_stop_wh)))
    return tuple(out)


def session_input(session: Session, *, tx: Transaction) -> SessionInput:
    """What the engine needs, read from the stored transaction and meter values."""
    if tx.state != TransactionState.ENDED.value or tx.stopped_at is None:
        raise ConflictError(f"transaction {tx.id} has not ended; only finished sessions are "
                            f"priced")
    samples = register_samples(session, tx=tx)
    return SessionInput(tx.started_at, tx.stopped_at, samples, idle_from_samples(samples))


def payer_of(session: Session, *, tx: Transaction) -> tuple[User | None, int | None]:
    """The user behind the session's id token and their cost centre (first group that has
    one), or (None, None) for an unknown or anonymous token."""
    if tx.id_tag is None:
        return None, None
    user_id = session.scalar(select(IdToken.user_id).where(IdToken.token == tx.id_tag))
    user = session.get(User, user_id) if user_id is not None else None
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
    data = session_input(session, tx=tx)
    user_id, centre, payer_org = memo.payer(session, tx)
    tariff = memo.tariff(session, tx.station_id, user_id)
    if tariff is None:
        raise NotFoundError(f"no tariff is assigned for transaction {tx.id} at station "
                            f"{tx.station_id}")
    breakdown = price_session(memo.domain(session, tariff), data)
    values = dict(
        tariff_id=tariff.id, tariff_version_ids=list(breakdown.version_ids),
        organisation_id=memo.organisation(session, tx.station_id),
        payer_organisation_id=payer_org,
        user_id=user_id, cost_centre_id=centre, station_id=tx.station_id,
        started_at=tx.started_at, stopped_at=data.stopped_at, currency=breakdown.currency,
        energy_kwh=breakdown.energy_kwh, net=breakdown.net, vat=breakdown.vat,
        total=breakdown.total, breakdown=breakdown.to_json())
    if existing is None:
        existing = SessionPrice(transaction_id=tx.id, priced_at=now, **values)
        session.add(existing)
    elif existing.breakdown != values["breakdown"] or any(
            getattr(existing, k) != v for k, v in values.items()):
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
    """The pricing job: price every finished, unpriced transaction (each in a savepoint, so
    one that cannot be priced — no tariff, a falling register — is reported, not fatal).
    Returns (priced count, {transaction id: why it was not priced})."""
    priced, failed = 0, {}
    memo = Lookups()
    for tx_id in unpriced_ids(session, organisation_id=organisation_id,
                              stopped_before=stopped_before, limit=limit):
        try:
            with session.begin_nested():
                price_transaction(session, tx_id, now=now, lookups=memo)
            priced += 1
        except ChargeGridError as err:
            failed[tx_id] = err.message
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
                return None

    async def drain(self) -> None:
        """Wait for the pricing tasks in flight (tests, shutdown)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
