"""The ad-hoc charging use case across the outside world: hold the money, start the
station, follow the transaction, capture the final price, release what is left.

Every step that talks to the payment provider or a station is written so that a failure
leaves the session in `failed` with a message for the driver and the hold released; the
database is always updated before the provider is told, and a race (two page polls, a poll
and a bus event) is settled by `adhoc.advance`'s compare-and-set, so money moves once.
Database work runs in worker threads (`_db`): the pages share the event loop with the OCPP
server, which must never wait on a slow query.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from chargegrid.bus.events import Event, TransactionEnded, TransactionStarted
from chargegrid.clock import Clock
from chargegrid.domain.commands import RemoteStart, RemoteStop
from chargegrid.errors import ChargeGridError, ConflictError
from chargegrid.payments.provider import (
    PaymentError,
    PaymentIntent,
    PaymentProvider,
    PaymentStatus,
    PaymentVerificationError,
)
from chargegrid.services import adhoc, id_tokens
from chargegrid.services.adhoc import PriceLookup
from chargegrid.services.commands import CommandService
from chargegrid.store.models import AdhocSession, Transaction
from chargegrid.store.models.adhoc import ADHOC_TRANSITIONS, AdhocState

log = logging.getLogger(__name__)
T = TypeVar("T")

DECLINED = "Your card was declined ({reason}). Nothing was charged."
START_FAILED = "The charging station could not start ({reason}). Your payment hold was released."
NO_VEHICLE = "No vehicle started charging in time. Your payment hold was released."
MISMATCH = "The payment did not match this session; it was released."


class Subscribable(Protocol):
    def subscribe(self, subscriber: Any) -> None: ...


@dataclass(frozen=True, slots=True)
class Checkout:
    token: str
    redirect_url: str


@dataclass(frozen=True, slots=True)
class _Finish:
    """What `_finish` decided in the database, for the provider call after commit."""

    won: bool
    reference: str | None
    amount: Decimal
    row_id: int


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
        self._finishing = asyncio.Lock()

    # -- plumbing ---------------------------------------------------------------------------

    async def _db(self, job: Callable[[Session], T]) -> T:
        """Run `job` in a worker thread with its own session, committed if it returns."""
        return await asyncio.to_thread(self._run, job)

    def _run(self, job: Callable[[Session], T]) -> T:
        with self.sessions() as session:
            result = job(session)
            session.commit()
            return result

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
        def token_of(session: Session) -> str | None:
            tx = session.get(Transaction, transaction_id)
            if tx is None or tx.id_tag is None or not tx.id_tag.startswith(
                    adhoc.ID_TAG_PREFIX):
                return None
            return session.scalar(select(AdhocSession.token).where(
                AdhocSession.station_id == station_id, AdhocSession.id_tag == tx.id_tag))

        token = await self._db(token_of)
        if token is None:
            return
        try:
            await self.refresh(token)
        except ChargeGridError as err:
            log.warning("ad-hoc session for transaction %s: %s", transaction_id, err.message)

    # -- reads for the pages ----------------------------------------------------------------

    def price_at(self, session: Session, station_id: str) -> adhoc.AdhocPrice | None:
        return self.price_lookup(session, station_id, self.clock.now())

    async def view(self, station_id: str, evse_id: int
                   ) -> tuple[adhoc.ConnectorView, adhoc.AdhocPrice | None]:
        """The connector page's data (NotFoundError for an unknown connector)."""
        def read(session: Session) -> tuple[adhoc.ConnectorView, adhoc.AdhocPrice | None]:
            return (adhoc.connector_view(session, station_id=station_id, evse_id=evse_id),
                    self.price_at(session, station_id))
        return await self._db(read)

    async def progress(self, row: AdhocSession) -> adhoc.Progress:
        return await self._db(lambda s: adhoc.progress(s, row=row, now=self.clock.now()))

    async def receipt(self, row: AdhocSession) -> adhoc.Receipt:
        return await self._db(lambda s: adhoc.receipt(s, row=row, now=self.clock.now()))

    async def load(self, token: str) -> AdhocSession:
        def read(session: Session) -> AdhocSession:
            row = adhoc.get_by_token_or_raise(session, token=token)
            session.expunge(row)
            return row
        return await self._db(read)

    # -- the flow ---------------------------------------------------------------------------

    async def begin(self, *, station_id: str, evse_id: int, email: str,
                    return_url: Callable[[str], str]) -> Checkout:
        """Create the session and the payment hold; the driver goes to `redirect_url`."""
        def create(session: Session) -> tuple[str, Decimal, str]:
            price = self.price_at(session, station_id)
            if price is None:
                raise ConflictError("no price applies to this charge point (price on "
                                    "request): ad-hoc charging is not offered here")
            row = adhoc.create(session, station_id=station_id, evse_id=evse_id, email=email,
                               price=price, hold=self.hold, provider=self.provider.name,
                               now=self.clock.now())
            return row.token, row.amount_held, row.currency

        token, amount, currency = await self._db(create)
        try:
            intent = await self.provider.create_hold(
                amount=amount, currency=currency, return_url=return_url(token),
                description=f"Charging at {station_id} connector {evse_id}",
                idempotency_key=token)
        except ChargeGridError as err:
            await self._fail(token, f"The payment could not be set up ({err.message}).",
                             release=False)
            raise

        def remember(session: Session) -> None:
            row = adhoc.get_by_token_or_raise(session, token=token)
            row.payment_reference = intent.reference
            row.payment_status = intent.status.value

        await self._db(remember)
        if intent.redirect_url is None:
            raise PaymentError("the payment provider gave no payment page")
        return Checkout(token, intent.redirect_url)

    async def on_return(self, token: str, params: Mapping[str, str]) -> None:
        """The driver is back from the payment page: verify, then start or fail."""
        reference = self.provider.verify_return(params)
        ours = await self._db(
            lambda s: adhoc.get_by_token_or_raise(s, token=token).payment_reference)
        if ours != reference:
            raise PaymentVerificationError("payment return: not this session's payment")
        await self.on_payment_update(reference)

    async def on_payment_update(self, reference: str) -> None:
        """A return or a webhook said the intent changed: act on what the provider says."""
        intent = await self.provider.retrieve(reference)
        outcome = await self._db(lambda s: self._apply_intent(s, intent))
        if outcome is None:
            return
        action, token = outcome
        if action == "start":
            await self.start(token)
        elif action == "mismatch":
            await self._fail(token, MISMATCH)

    def _apply_intent(self, session: Session,
                      intent: PaymentIntent) -> tuple[str, str] | None:
        row = session.scalars(select(AdhocSession).where(
            AdhocSession.payment_reference == intent.reference)).first()
        if row is None or row.state != AdhocState.CREATED.value:
            return None  # unknown, or already handled (a webhook after the return)
        now = self.clock.now()
        if intent.status is PaymentStatus.AUTHORISED:
            if intent.amount != row.amount_held or intent.currency != row.currency:
                return "mismatch", row.token
            won = adhoc.advance(session, row=row, to=AdhocState.AUTHORISED, now=now,
                                authorised_at=now, payment_status=intent.status.value)
            return ("start", row.token) if won else None
        if intent.status is PaymentStatus.DECLINED:
            reason = (intent.decline_reason or "declined").replace("_", " ")
            adhoc.advance(session, row=row, to=AdhocState.FAILED, now=now,
                          payment_status=intent.status.value,
                          failure=DECLINED.format(reason=reason))
        return None

    async def start(self, token: str) -> None:
        """Issue the one-time id token and send RemoteStart; any refusal fails the
        session and releases the hold."""
        def prepare(session: Session) -> tuple[str, int, str, int]:
            now = self.clock.now()
            row = adhoc.get_by_token_or_raise(session, token=token)
            id_tokens.create(session, token=row.id_tag, now=now, label=f"adhoc:{row.id}",
                             expires_at=now + self.start_timeout + timedelta(days=1),
                             token_type="Central")
            adhoc.advance(session, row=row, to=AdhocState.STARTING, now=now)
            return row.station_id, row.evse_id, row.id_tag, row.id

        station_id, evse_id, id_tag, row_id = await self._db(prepare)
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
        action, tx_id = await self._db(lambda s: self._examine(s, token))
        if action == "timeout":
            await self._fail(token, NO_VEHICLE)
        elif action == "finish" and tx_id is not None:
            await self._finish(token, tx_id)
        elif action == "stop" and tx_id is not None:
            await self._remote_stop(token, tx_id)
        return await self.load(token)

    def _examine(self, session: Session, token: str) -> tuple[str | None, int | None]:
        now = self.clock.now()
        row = adhoc.get_by_token_or_raise(session, token=token)
        if row.state == AdhocState.STARTING.value:
            tx = adhoc.transaction_of(session, row=row)
            if tx is not None:
                adhoc.advance(session, row=row, to=AdhocState.CHARGING, now=now,
                              transaction_id=tx.id, started_at=tx.started_at)
            elif row.updated_at + self.start_timeout < now:
                return "timeout", None
        if row.state == AdhocState.CHARGING.value:
            tx = adhoc.transaction_of(session, row=row)
            assert tx is not None  # linked when the state became charging
            if tx.state != "active":
                return "finish", tx.id
            if adhoc.progress(session, row=row, now=now).cost >= row.amount_held:
                return "stop", tx.id
        return None, None

    async def stop(self, token: str) -> None:
        """The driver pressed Stop: ask the station to end the transaction."""
        def active_tx(session: Session) -> int:
            row = adhoc.get_by_token_or_raise(session, token=token)
            tx = adhoc.transaction_of(session, row=row)
            if row.state not in (AdhocState.STARTING.value, AdhocState.CHARGING.value) \
                    or tx is None or tx.state != "active":
                raise ConflictError("there is no charging to stop")
            return tx.id

        await self._remote_stop(token, await self._db(active_tx))

    async def _remote_stop(self, token: str, transaction_id: int) -> None:
        row = await self.load(token)
        await self.commands.send(row.station_id, RemoteStop(transaction_id=transaction_id),
                                 requested_by=f"adhoc:{row.id}")

    async def _finish(self, token: str, tx_id: int) -> None:
        """Record the final price, then capture it (the rest of the hold is released)."""
        def record(session: Session) -> _Finish:
            now = self.clock.now()
            # Row lock (PostgreSQL; SQLite serialises writers anyway): a second node
            # finishing the same session waits here, then sees it finished.
            row = session.scalars(select(AdhocSession).where(AdhocSession.token == token)
                                  .with_for_update()).one()
            if row.state != AdhocState.CHARGING.value:
                return _Finish(False, None, Decimal(0), row.id)
            tx = session.get(Transaction, tx_id)
            assert tx is not None
            cost = adhoc.final_cost(session, row=row, tx=tx, now=now)
            won = adhoc.advance(session, row=row, to=AdhocState.FINISHED, now=now,
                                amount_captured=cost.gross, vat_amount=cost.vat,
                                energy_wh=tx.energy_wh, ended_at=tx.stopped_at or now)
            self._retire_id_tag(session, row, now)
            return _Finish(won, row.payment_reference, cost.gross, row.id)

        # In this process, one finish at a time: the page's poll and the bus event often
        # arrive together, and only one of them may price the transaction.
        async with self._finishing:
            for attempt in range(3):
                try:
                    done = await self._db(record)
                    break
                except IntegrityError:
                    # The billing job priced the same transaction at the same moment: its
                    # price row exists now, and the next attempt updates it.
                    if attempt == 2:
                        raise
                    await asyncio.sleep(0.05)
        if not done.won or done.reference is None:
            return
        try:
            if done.amount > 0:
                intent = await self.provider.capture(done.reference, done.amount)
            else:
                intent = await self.provider.cancel(done.reference)
            status = intent.status.value
        except ChargeGridError as err:
            log.error("ad-hoc session %s: capture of %s failed: %s", done.row_id,
                      done.amount, err.message)
            status = "capture_failed"
        await self._db(lambda s: self._set_payment_status(s, token, status))

    async def _fail(self, token: str, message: str, *, release: bool = True) -> None:
        """Fail the session (if it has not started charging) and release the hold."""
        def record(session: Session) -> tuple[bool, str | None]:
            now = self.clock.now()
            row = adhoc.get_by_token_or_raise(session, token=token)
            if AdhocState.FAILED not in ADHOC_TRANSITIONS[AdhocState(row.state)]:
                return False, None
            if not adhoc.advance(session, row=row, to=AdhocState.FAILED, now=now,
                                 failure=message):
                return False, None
            self._retire_id_tag(session, row, now)
            return True, row.payment_reference

        won, reference = await self._db(record)
        if not won or not release or reference is None:
            return
        try:
            status = (await self.provider.cancel(reference)).status.value
        except ChargeGridError as err:
            log.error("ad-hoc session %s: releasing the hold failed: %s", token[:6],
                      err.message)
            status = "release_failed"
        await self._db(lambda s: self._set_payment_status(s, token, status))

    @staticmethod
    def _set_payment_status(session: Session, token: str, status: str) -> None:
        adhoc.get_by_token_or_raise(session, token=token).payment_status = status

    @staticmethod
    def _retire_id_tag(session: Session, row: AdhocSession, now: datetime) -> None:
        """One-time: once the session is over the id tag can start nothing more."""
        if id_tokens.get_by_token(session, token=row.id_tag) is not None:
            id_tokens.update(session, token=row.id_tag, status="Blocked", now=now)
