"""Reservations as the stations hold them: what we asked for, what the station answered,
and the transaction that used it.

A reservation id is ours (the central system picks it), so it is the row's key; asking
again with the same id replaces the reservation, as it does on the station (OCPP 1.6
§5.13). The row is written only from the station's answer — a refused ReserveNow is kept
with the refusal, so an operator sees why the driver found no reserved connector.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from chargegrid.domain.commands import CancelReservation, CommandResult, ReserveNow
from chargegrid.store.models import Reservation

ACTIVE = "Accepted"
CANCELLED = "Cancelled"
USED = "Used"
EXPIRED = "Expired"


def record_answer(session: Session, *, station_id: str, command: ReserveNow,
                  result: CommandResult, now: datetime) -> Reservation:
    """Store the reservation with the station's answer (Accepted, Occupied, Faulted, ...)."""
    row = session.get(Reservation, command.reservation_id)
    if row is None:
        row = Reservation(id=command.reservation_id, created_at=now)
        session.add(row)
    row.station_id, row.evse_id = station_id, command.evse_id
    row.id_tag, row.parent_id_tag = command.id_tag, command.parent_id_tag
    row.expires_at, row.status, row.transaction_id = command.expiry, str(result.status), None
    session.flush()
    return row


def record_cancel(session: Session, *, station_id: str, command: CancelReservation,
                  result: CommandResult) -> None:
    """A cancellation the station accepted ends the reservation; a refused one changes
    nothing (the station still holds it, or never did)."""
    row = session.get(Reservation, command.reservation_id)
    if row is not None and row.station_id == station_id and result.status == "Accepted":
        row.status = CANCELLED


def record_use(session: Session, *, station_id: str, reservation_id: int | None,
               transaction_id: int) -> None:
    """A StartTransaction naming the reservation consumes it."""
    if reservation_id is None:
        return
    row = session.get(Reservation, reservation_id)
    if row is not None and row.station_id == station_id:
        row.status, row.transaction_id = USED, transaction_id


def status_at(row: Reservation, now: datetime) -> str:
    """An accepted reservation past its expiry is expired, whatever was stored."""
    if row.status == ACTIVE and row.expires_at <= now:
        return EXPIRED
    return row.status
