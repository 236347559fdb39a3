"""Transactions with their energy, and the raw meter samples behind it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from chargegrid.api.deps import Access, DbSession, require
from chargegrid.api.schemas.common import Limit, Offset
from chargegrid.api.schemas.transactions import (
    MeterValueRead,
    TransactionRead,
    TransactionStateName,
)
from chargegrid.domain.permissions import Action, Resource
from chargegrid.services import meter_values, scoping, transactions
from chargegrid.store.models import MeterValue, Transaction

router = APIRouter(prefix="/transactions", tags=["transactions"])

TransactionIdPath = Annotated[int, Path(ge=1)]
CanRead = Annotated[Access, require(Resource.TRANSACTION, Action.READ)]


@router.get("", response_model=list[TransactionRead])
def list_transactions(
    db: DbSession,
    access: CanRead,
    station_id: Annotated[str | None, Query(max_length=48)] = None,
    state: TransactionStateName | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[Transaction]:
    """The caller's transactions newest first by the station's start time, optionally for
    one station (another organisation's station simply yields nothing)."""
    return transactions.list_filtered(db, station_id=station_id, state=state, limit=limit,
                                      offset=offset,
                                      where=scoping.transactions_where(access.visibility))


@router.get("/{transaction_id}", response_model=TransactionRead)
def get_transaction(transaction_id: TransactionIdPath, db: DbSession,
                    _: CanRead) -> Transaction:
    """One transaction with its energy and the meter cross-check."""
    return transactions.get_or_raise(db, transaction_id=transaction_id)


@router.get("/{transaction_id}/meter-values", response_model=list[MeterValueRead])
def list_meter_values(
    transaction_id: TransactionIdPath,
    db: DbSession,
    _: CanRead,
    measurand: Annotated[str | None, Query(max_length=48)] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Offset = 0,
) -> list[MeterValue]:
    """The transaction's samples exactly as received, in the station's time order."""
    transactions.get_or_raise(db, transaction_id=transaction_id)
    return meter_values.page_for_transaction(db, transaction_id=transaction_id, limit=limit,
                                             offset=offset, measurand=measurand)
