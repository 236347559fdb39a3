"""Revenue from the billing engine's session prices (`session_prices`): a session has a
price once it is priced; unpriced sessions are counted, never guessed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from chargegrid.store.models.billing import SessionPrice

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Price:
    currency: str
    net: Decimal
    vat: Decimal
    total: Decimal


def prices_for(session: Session, transaction_ids: Sequence[int]) -> dict[int, Price]:
    """The stored price of each transaction that has one."""
    prices: dict[int, Price] = {}
    for i in range(0, len(transaction_ids), _CHUNK):
        chunk = transaction_ids[i:i + _CHUNK]
        for tx_id, currency, net, vat, total in session.execute(
                select(SessionPrice.transaction_id, SessionPrice.currency, SessionPrice.net,
                       SessionPrice.vat, SessionPrice.total)
                .where(SessionPrice.transaction_id.in_(chunk))):
            prices[tx_id] = Price(currency, net, vat, total)
    return prices
