"""The ad-hoc charging use case across the outside world: hold the money, start the
station, follow the transaction, capture the final price, release what is left.

Every step that talks to the payment provider or a station is written so that a failure
leaves the session in `failed` with a message for the driver and the hold released; the
database is always updated before the provider is told (and a race between two page polls
is settled by `adhoc.advance`'s compare-and-set, so money moves once).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from chargegrid.bus.events import Event, TransactionEnded, TransactionStarted
from chargegrid.clock import Clock
from chargegrid.domain.commands import RemoteStart, RemoteStop
from chargegrid.errors import ChargeGridError, ConflictError
from chargegrid.payments.provider import (
    PaymentError,
    PaymentProvider,
    PaymentStatus,
    PaymentVerificationError,
)
from chargegrid.services import adhoc, id_tokens
from chargegrid.services.adhoc import PriceLookup
from chargegrid.services.commands import CommandService
from chargegrid.store.models import AdhocSession, Transaction
from chargegrid.store.models.adhoc import AdhocState

log = logging.getLogger(__name__)

DECLINED = "Your card was declined ({reason}). Nothing was charged."
START_FAILED = "The charging station could not start ({reason}). Your payment hold was released."
NO_VEHICLE = "No vehicle started charging in time. Your payment hold was released."


class Subscribable(Protocol):
    def subscribe(self, subscriber: Any) -> None: ...


@dataclass(frozen=True, slots=True)
class Checkout:
    token: str
    redirect_url: str


class AdhocFlow:
    """Ad-hoc sessions from the e-mail form to the receipt (one per app; stateless itself:
    everything lives in the database or at the provider, so any node may serve a page)."""

    def __init__(self, *, sessions: sessionmaker[Session], commands: CommandService,
                 provider: PaymentProvider, clock: Clock, price_lookup: PriceLookup,
                 hold: Decimal, start_timeout_s: float) -> None:
        self.sessions = sessions
        self.commands = commands
        self.provider = provider
        self.clock = clock
        self.price_lookup = price_lookup
        self.hold = hold
        self.start_timeout = timedelta(seconds=start_timeout_s)
        self._tasks: set[asyncio.Task[None]] = set()

    def attach(self, bus: Subscribable) -> AdhocFlow:
        """Follow transactions as they start and end, so that the payment is captured when
        charging ends even if the driver closed the page (the page's polling does the same
        work; `advance`'s compare-and-set makes the two meet once)."""
        bus.subscribe(self._on_event)
        return self

    def _on_event(self, event: Event) -> None:
        if not isinstance(event, (TransactionStarted, TransactionEnded)):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        task = loop.create_task(self._follow(event.station_id, event.transaction_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _follow(self, station_id: str, transaction_id: int) -> None:
        with self.sessions() as session:
            tx = session.get(Transaction, transaction_id)
            if tx is None or tx.id_tag is None or not tx.id_tag.startswith(adhoc.ID_TAG_PREFIX):
                return
            token = session.scalar(select(AdhocSession.token).where(
                AdhocSession.station_id == station_id, AdhocSession.id_tag == tx.id_tag))
        if token is None:
            return
        try:
            await self.refresh(token)
        except ChargeGridError as err:
            log.warning("ad-hoc session for transaction %s: %s", transaction_id, err.message)

    def price_at(self, session: Session, station_id: str) -> adhoc.AdhocPrice | None:
        return self.price_lookup(session, station_id, self.clock.now())

    async def begin(self, *, station_id: str, evse_id: int, email: str,
                    return_url: Callable[[str], str]) -> Checkout:
        """Create the session and the payment hold; the driver goes to `redirect_url`."""
        now = self.clock.now()
        with self.sessions() as session:
            price = self.price_at(session, station_id)
            if price is None:
                raise ConflictError("no price applies to this charge point (price on "
                                    "request): ad-hoc charging is not offered here")
            row = adhoc.create(session, station_id=station_id, evse_id=evse_id, email=email,
                               price=price, hold=self.hold, provider=self.provider.name,
                               now=now)
            token, amount, currency = row.token, row.amount_held, row.currency
            session.commit()
        try:
            intent = await self.provider.create_hold(
                amount=amount, currency=currency, return_url=return_url(token),
                description=f"Charging at {station_id} connector {evse_id}",
                idempotency_key=token)
        except ChargeGridError as err:
            await self._fail(token, f"The payment could not be set up ({err.message}).",
                             release=False)
            raise
        with self.sessions() as session:
            row = adhoc.get_by_token_or_raise(session, token=token)
            row.payment_reference = intent.reference
            row.payment_status = intent.status.value
            session.commit()
        if intent.redirect_url is None:
            raise PaymentError("the payment provider gave no payment page")
        return Checkout(token, intent.redirect_url)

    async def on_return(self, token: str, params: Mapping[str, str]) -> AdhocSession:
        """The driver is back from the payment page: verify, then start or fail."""
        reference = self.provider.verify_return(params)
        with self.sessions() as session:
            row = adhoc.get_by_token_or_raise(session, token=token)
            if row.payment_reference != reference:
                raise PaymentVerificationError("payment return: not this session's payment")
        await self.on_payment_update(reference)
        return self.load(token)

    async def on_payment_update(self, reference: str) -> None:
        """A return or a webhook said the intent changed: act on what the provider says."""
        intent = await self.provider.retrieve(reference)
        now = self.clock.now()
        with self.sessions() as session:
            row = session.query(AdhocSession).filter_by(payment_reference=reference).first()
            if row is None or row.state != AdhocState.CREATED.value:
                return  # unknown, or already handled (a webhook after the return)
            token = row.token
            if (intent.status is PaymentStatus.AUTHORISED and intent.amount == row.amount_held
                    and intent.currency == row.currency):
                won = adhoc.advance(session, row=row, to=AdhocState.AUTHORISED, now=now,
                                    authorised_at=now, payment_status=intent.status.value)
                session.commit()
                if won:
                    await self.start(token)
                return
            if intent.status is PaymentStatus.DECLINED:
                adhoc.advance(session, row=row, to=AdhocState.FAILED, now=now,
                              payment_status=intent.status.value,
                              failure=DECLINED.format(reason=(intent.decline_reason or
                                                              "declined").replace("_", " ")))
                session.commit()
                return
        if intent.status is PaymentStatus.AUTHORISED:  # amount or currency not ours
            await self._fail(token, "The payment did not match this session; it was "
                             "released.")

    async def start(self, token: str) -> None:
        """Issue the one-time id token and send RemoteStart; any refusal fails the
        session and releases the hold."""
        now = self.clock.now()
        with self.sessions() as session:
            row = adhoc.get_by_token_or_raise(session, token=token)
            id_tokens.create(session, token=row.id_tag, now=now, label=f"adhoc:{row.id}",
                             expires_at=now + self.start_timeout + timedelta(days=1),
                             token_type="Central")
            adhoc.advance(session, row=row, to=AdhocState.STARTING, now=now)
            station_id, evse_id, id_tag, row_id = (row.station_id, row.evse_id, row.id_tag,
                                                   row.id)
            session.commit()
        try:
            _, result = await self.commands.send(
                station_id, RemoteStart(id_tag=id_tag, evse_id=evse_id),
                requested_by=f"adhoc:{row_id}")
        except ChargeGridError as err:
            await self._fail(token, START_FAILED.format(reason=err.message))
            return
        if result.status != "Accepted":
            await self._fail(token, START_FAILED.format(
                reason=f"the station answered {result.status}"))

    async def refresh(self, token: str) -> AdhocSession:
        """Follow the transaction: link it, finish and capture when it ended, stop it when
        the cost reaches the hold, give up when no vehicle started in time."""
        now = self.clock.now()
        stop_tx: int | None = None
        with self.sessions() as session:
            row = adhoc.get_by_token_or_raise(session, token=token)
            if row.state == AdhocState.STARTING.value:
                tx = adhoc.transaction_of(session, row=row)
                if tx is not None:
                    adhoc.advance(session, row=row, to=AdhocState.CHARGING, now=now,
                                  transaction_id=tx.id, started_at=tx.started_at)
                    session.commit()
                elif row.updated_at + self.start_timeout < now:
                    session.rollback()
                    await self._fail(token, NO_VEHICLE)
                    return self.load(token)
            if row.state == AdhocState.CHARGING.value:
                tx = adhoc.transaction_of(session, row=row)
                assert tx is not None
                if tx.state != "active":
                    await self._finish(session, row, tx.id)
                else:
                    live = adhoc.progress(session, row=row, now=now)
                    if live.cost >= row.amount_held:
                        stop_tx = tx.id
        if stop_tx is not None:
            await self._remote_stop(token, stop_tx)
        return self.load(token)

    async def stop(self, token: str) -> None:
        """The driver pressed Stop: ask the station to end the transaction."""
        with self.sessions() as session:
            row = adhoc.get_by_token_or_raise(session, token=token)
            tx = adhoc.transaction_of(session, row=row)
            if row.state not in (AdhocState.STARTING.value, AdhocState.CHARGING.value) \
                    or tx is None or tx.state != "active":
                raise ConflictError("there is no charging to stop")
            tx_id = tx.id
        await self._remote_stop(token, tx_id)

    def load(self, token: str) -> AdhocSession:
        with self.sessions() as session:
            row = adhoc.get_by_token_or_raise(session, token=token)
            session.expunge(row)
            return row

    async def _remote_stop(self, token: str, transaction_id: int) -> None:
        with self.sessions() as session:
            row = adhoc.get_by_token_or_raise(session, token=token)
            station_id, row_id = row.station_id, row.id
        await self.commands.send(station_id, RemoteStop(transaction_id=transaction_id),
                                 requested_by=f"adhoc:{row_id}")

    async def _finish(self, session: Session, row: AdhocSession, tx_id: int) -> None:
        """Record the final price, then capture it (the rest of the hold is released)."""
        now = self.clock.now()
        tx = adhoc.transaction_of(session, row=row)
        assert tx is not None
        cost = adhoc.final_cost(session, row=row, tx=tx, now=now)
        won = adhoc.advance(session, row=row, to=AdhocState.FINISHED, now=now,
                            amount_captured=cost.gross, vat_amount=cost.vat,
                            energy_wh=tx.energy_wh, ended_at=tx.stopped_at or now)
        self._retire_id_tag(session, row, now)
        session.commit()
        if not won or row.payment_reference is None:
            return
        try:
            if cost.gross > 0:
                intent = await self.provider.capture(row.payment_reference, cost.gross)
            else:
                intent = await self.provider.cancel(row.payment_reference)
            status = intent.status.value
        except ChargeGridError as err:
            log.error("ad-hoc session %s: capture of %s failed: %s", row.id, cost.gross,
                      err.message)
            status = "capture_failed"
        row.payment_status = status
        session.commit()

    async def _fail(self, token: str, message: str, *, release: bool = True) -> None:
        """Fail the session (if still open) and release the hold."""
        now = self.clock.now()
        with self.sessions() as session:
            row = adhoc.get_by_token_or_raise(session, token=token)
            if row.state not in {s.value for s in adhoc.OPEN_STATES} or \
                    row.state == AdhocState.CHARGING.value:
                return
            if not adhoc.advance(session, row=row, to=AdhocState.FAILED, now=now,
                                 failure=message):
                return
            self._retire_id_tag(session, row, now)
            reference = row.payment_reference
            session.commit()
            if not release or reference is None:
                return
            try:
                intent = await self.provider.cancel(reference)
                row.payment_status = intent.status.value
            except ChargeGridError as err:
                log.error("ad-hoc session %s: releasing the hold failed: %s", row.id,
                          err.message)
                row.payment_status = "release_failed"
            session.commit()

    @staticmethod
    def _retire_id_tag(session: Session, row: AdhocSession, now: datetime) -> None:
        """One-time: once the session is over the id tag can start nothing more."""
        if id_tokens.get_by_token(session, token=row.id_tag) is not None:
            id_tokens.update(session, token=row.id_tag, status="Blocked", now=now)
