"""Ad-hoc sessions in the database: the price a driver agreed to, the connector check, the
state machine's guarded transitions, live progress and the receipt.

Plain functions of a `Session` (the caller commits); the payment and RemoteStart steps that
wait on the outside world are in `services/adhoc_sessions.py`.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chargegrid.domain.meter import ENERGY_REGISTER, Sample, energy_wh
from chargegrid.errors import ChargeGridError, ConflictError, InvalidInputError, NotFoundError
from chargegrid.services import pricing, stations, tariffs
from chargegrid.store.models import (
    AdhocSession,
    Connector,
    MeterValue,
    Transaction,
)
from chargegrid.store.models.adhoc import ADHOC_TRANSITIONS, AdhocState

log = logging.getLogger(__name__)
CENT = Decimal("0.01")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s.]{2,63}$")
# 1.6 reports Preparing once a cable is in; Available means the driver may still plug in.
# (2.0.1's Occupied without a running transaction is free too: see `_free`.)
FREE_STATUSES = frozenset({"Available", "Preparing"})
ID_TAG_PREFIX = "AH"  # one-time id tags of ad-hoc sessions: "AH" + 18 random hex digits
OPEN_STATES = (AdhocState.CREATED, AdhocState.AUTHORISED, AdhocState.STARTING,
               AdhocState.CHARGING)


def money(value: Decimal) -> Decimal:
    """Round to cents, half up (what a receipt shows)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Cost:
    net: Decimal
    vat: Decimal
    gross: Decimal


@dataclass(frozen=True, slots=True)
class AdhocPrice:
    """The price of charging here, net of VAT, as shown to the driver before they pay."""

    currency: str
    energy_per_kwh: Decimal
    time_per_hour: Decimal = Decimal(0)
    session_fee: Decimal = Decimal(0)
    vat_rate: Decimal = Decimal(0)  # 0.20 for 20 %
    idle_per_hour: Decimal = Decimal(0)  # shown; charged by the tariff engine at the end
    idle_grace_minutes: int = 0

    def cost(self, *, energy_wh: float, duration_s: float) -> Cost:
        """What a session of this energy and duration costs, VAT on the rounded net."""
        net = (self.session_fee
               + self.energy_per_kwh * Decimal(str(energy_wh)) / 1000
               + self.time_per_hour * Decimal(str(duration_s)) / 3600)
        net = money(net)
        vat = money(net * self.vat_rate)
        return Cost(net=net, vat=vat, gross=net + vat)

    def to_json(self) -> dict[str, Any]:
        return {"currency": self.currency, "energy_per_kwh": str(self.energy_per_kwh),
                "time_per_hour": str(self.time_per_hour),
                "session_fee": str(self.session_fee), "vat_rate": str(self.vat_rate),
                "idle_per_hour": str(self.idle_per_hour),
                "idle_grace_minutes": self.idle_grace_minutes}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AdhocPrice:
        return cls(currency=str(data["currency"]),
                   energy_per_kwh=Decimal(data["energy_per_kwh"]),
                   time_per_hour=Decimal(data["time_per_hour"]),
                   session_fee=Decimal(data["session_fee"]),
                   vat_rate=Decimal(data["vat_rate"]),
                   idle_per_hour=Decimal(data.get("idle_per_hour", "0")),
                   idle_grace_minutes=int(data.get("idle_grace_minutes", 0)))


PriceLookup = Callable[[Session, str, datetime], AdhocPrice | None]
"""The price at a station at a time, or None: "price on request", no ad-hoc charging."""


def tariff_price(session: Session, station_id: str, at: datetime) -> AdhocPrice | None:
    """The anonymous driver's price from the tariffs service (None: no tariff applies)."""
    summary = tariffs.price_summary_for(session, station_id, at)
    if summary is None:
        return None
    return AdhocPrice(currency=summary.currency, energy_per_kwh=summary.energy_per_kwh,
                      time_per_hour=summary.time_per_hour, session_fee=summary.session_fee,
                      vat_rate=summary.vat_rate, idle_per_hour=summary.idle_per_hour,
                      idle_grace_minutes=summary.idle_grace_minutes)


@dataclass(frozen=True, slots=True)
class ConnectorView:
    """What the public page shows about a connector before anyone pays."""

    station_id: str
    evse_id: int
    status: str | None
    connected: bool
    available: bool
    reason: str | None  # why not, in words for the driver


def connector_view(session: Session, *, station_id: str, evse_id: int) -> ConnectorView:
    """The connector, or NotFoundError for an unknown station or connector."""
    station = stations.get(session, station_id=station_id)
    connector = session.scalars(select(Connector).where(
        Connector.station_id == station_id, Connector.evse_id == evse_id)
        .order_by(Connector.connector_id)).first() if station is not None else None
    if station is None or connector is None or evse_id < 1:
        raise NotFoundError(f"charge point {station_id!r} connector {evse_id} does not exist")
    reason: str | None = None
    if not station.connected:
        reason = "The charging station is offline right now."
    elif not _free(session, connector):
        reason = f"This connector is not available ({connector.status or 'unknown'})."
    elif _open_session(session, station_id, evse_id) is not None:
        reason = "Another driver is starting a session on this connector."
    return ConnectorView(station_id, evse_id, connector.status, station.connected,
                         reason is None, reason)


def _free(session: Session, connector: Connector) -> bool:
    """Free for a new session: 1.6 Available/Preparing; 2.0.1 has no Preparing, so
    Occupied (plugged in) counts as free while no transaction runs on the EVSE."""
    if connector.status in FREE_STATUSES:
        return True
    return connector.status == "Occupied" and session.scalar(select(Transaction.id).where(
        Transaction.station_id == connector.station_id,
        Transaction.evse_id == connector.evse_id, Transaction.state == "active")
        .limit(1)) is None


def _open_session(session: Session, station_id: str, evse_id: int) -> AdhocSession | None:
    return session.scalars(select(AdhocSession).where(
        AdhocSession.station_id == station_id, AdhocSession.evse_id == evse_id,
        AdhocSession.state.in_([AdhocState.AUTHORISED.value, AdhocState.STARTING.value,
                                AdhocState.CHARGING.value]))).first()


def validate_email(email: str) -> str:
    """A plausible address (the receipt goes there), or InvalidInputError."""
    cleaned = email.strip()
    if not EMAIL.match(cleaned):
        raise InvalidInputError("email: enter a valid e-mail address for the receipt")
    return cleaned


def create(session: Session, *, station_id: str, evse_id: int, email: str,
           price: AdhocPrice, hold: Decimal, provider: str, now: datetime) -> AdhocSession:
    """A new session in `created`, with an unguessable page token and one-time id tag."""
    view = connector_view(session, station_id=station_id, evse_id=evse_id)
    if not view.available:
        raise ConflictError(view.reason or "connector not available")
    row = AdhocSession(
        token=secrets.token_urlsafe(24), station_id=station_id, evse_id=evse_id,
        email=validate_email(email), state=AdhocState.CREATED.value,
        currency=price.currency, price=price.to_json(), amount_held=money(hold),
        payment_provider=provider,
        # 20 characters: OCPP 1.6 IdToken is CiString20.
        id_tag=ID_TAG_PREFIX + secrets.token_hex(9).upper(),
        created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return row


def get_by_token(session: Session, *, token: str) -> AdhocSession | None:
    return session.scalars(select(AdhocSession).where(AdhocSession.token == token)).first()


def get_by_token_or_raise(session: Session, *, token: str) -> AdhocSession:
    """The session behind a page token, or NotFoundError."""
    row = get_by_token(session, token=token)
    if row is None:
        raise NotFoundError("this charging session does not exist")
    return row


def advance(session: Session, *, row: AdhocSession, to: AdhocState, now: datetime,
            **values: Any) -> bool:
    """Move `row` to `to` if it is still in the state we read: a compare-and-set, so two
    polls racing to finish a session capture the payment once. False if someone else won."""
    current = AdhocState(row.state)
    if to not in ADHOC_TRANSITIONS[current]:
        raise ConflictError(f"ad-hoc session cannot go from {current.value} to {to.value}")
    result = session.execute(
        update(AdhocSession)
        .where(AdhocSession.id == row.id, AdhocSession.state == current.value)
        .values(state=to.value, updated_at=now, **values)
        .execution_options(synchronize_session=False))
    session.flush()
    session.refresh(row)
    return bool(getattr(result, "rowcount", 0) == 1)


def transaction_of(session: Session, *, row: AdhocSession) -> Transaction | None:
    """The transaction the station opened with this session's one-time id tag."""
    if row.transaction_id is not None:
        return session.get(Transaction, row.transaction_id)
    return session.scalars(select(Transaction).where(
        Transaction.station_id == row.station_id, Transaction.id_tag == row.id_tag)
        .order_by(Transaction.id.desc())).first()


def delivered_wh(session: Session, *, tx: Transaction) -> int:
    """Energy so far: final if the transaction ended, else the newest register reading
    minus the start value."""
    if tx.energy_wh is not None:
        return tx.energy_wh
    rows = session.scalars(select(MeterValue).where(
        MeterValue.transaction_id == tx.id, MeterValue.measurand == ENERGY_REGISTER,
        MeterValue.phase.is_(None)).order_by(MeterValue.timestamp.desc(), MeterValue.id.desc())
        .limit(1)).all()
    if not rows or tx.meter_start_wh is None:
        return 0
    r = rows[0]
    reading = energy_wh(Sample(timestamp=r.timestamp, value=r.value, measurand=r.measurand,
                               phase=r.phase, unit=r.unit, format=r.format))
    return max(0, round(reading - tx.meter_start_wh)) if reading is not None else 0


@dataclass(frozen=True, slots=True)
class Progress:
    """The live view the page polls."""

    state: str
    energy_wh: int
    duration_s: int
    cost: Decimal
    currency: str
    failure: str | None


def progress(session: Session, *, row: AdhocSession, now: datetime) -> Progress:
    """Energy, time and cost so far (the final figures once finished)."""
    price = AdhocPrice.from_json(row.price)
    tx = transaction_of(session, row=row) if row.state in (
        AdhocState.CHARGING.value, AdhocState.FINISHED.value) else None
    if tx is None:
        return Progress(row.state, 0, 0, Decimal("0.00"), row.currency, row.failure)
    energy = delivered_wh(session, tx=tx)
    end = tx.stopped_at or now
    duration = max(0, int((end - tx.started_at).total_seconds()))
    cost = (row.amount_captured if row.amount_captured is not None
            else min(price.cost(energy_wh=energy, duration_s=duration).gross, row.amount_held))
    return Progress(row.state, energy, duration, cost, row.currency, row.failure)


@dataclass(frozen=True, slots=True)
class Receipt:
    """What the driver gets at the end (and by e-mail, once mail is wired)."""

    station_id: str
    evse_id: int
    email: str
    started_at: datetime | None
    ended_at: datetime | None
    energy_wh: int
    duration_s: int
    net: Decimal
    vat: Decimal
    total: Decimal
    vat_rate: Decimal
    currency: str
    released: Decimal
    payment_provider: str
    payment_reference: str | None


def receipt(session: Session, *, row: AdhocSession, now: datetime) -> Receipt:
    """The receipt of a finished session; ConflictError before it has finished."""
    if row.state != AdhocState.FINISHED.value or row.amount_captured is None:
        raise ConflictError("the receipt is ready when the session has finished")
    live = progress(session, row=row, now=now)
    vat = row.vat_amount or Decimal("0.00")
    return Receipt(
        station_id=row.station_id, evse_id=row.evse_id, email=row.email,
        started_at=row.started_at, ended_at=row.ended_at, energy_wh=live.energy_wh,
        duration_s=live.duration_s, net=row.amount_captured - vat, vat=vat,
        total=row.amount_captured, vat_rate=AdhocPrice.from_json(row.price).vat_rate,
        currency=row.currency, released=row.amount_held - row.amount_captured,
        payment_provider=row.payment_provider, payment_reference=row.payment_reference)


def final_cost(session: Session, *, row: AdhocSession, tx: Transaction,
               now: datetime) -> Cost:
    """The price of the ended transaction by the tariff engine (bands, idle fee, min/max),
    stored with the other session prices; the agreed price if no tariff prices it any more.
    Never above the hold: charging is stopped when the hold is reached, and a late meter
    value cannot overdraw the driver's card."""
    try:
        priced = pricing.price_transaction(session, tx.id, now=now)
        cost = Cost(net=priced.net, vat=priced.vat, gross=priced.total)
    except ChargeGridError as err:
        log.warning("ad-hoc session %s: tariff pricing failed (%s); using the agreed price",
                    row.id, err.message)
        price = AdhocPrice.from_json(row.price)
        energy = tx.energy_wh if tx.energy_wh is not None else delivered_wh(session, tx=tx)
        end = tx.stopped_at or tx.started_at
        cost = price.cost(energy_wh=energy, duration_s=(end - tx.started_at).total_seconds())
    if cost.gross <= row.amount_held:
        return cost
    vat_rate = AdhocPrice.from_json(row.price).vat_rate
    gross = row.amount_held
    net = money(gross / (1 + vat_rate))
    return Cost(net=net, vat=gross - net, gross=gross)
