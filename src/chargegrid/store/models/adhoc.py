"""Ad-hoc sessions: a driver without an account pays by card through the QR-code page.

The row is the ledger of one attempt, whatever happens to it: who (an e-mail), where
(station, EVSE), the payment (provider, reference, amounts held and captured), the one-time
id token sent in the RemoteStart, the transaction it produced, and the state machine
created → authorised → starting → charging → finished (or failed at any step).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from chargegrid.store.models.base import Base
from chargegrid.store.types import UTCDateTime


class AdhocState(StrEnum):
    CREATED = "created"
    AUTHORISED = "authorised"
    STARTING = "starting"
    CHARGING = "charging"
    FINISHED = "finished"
    FAILED = "failed"


# Which state may follow which: anything else is a bug or a replayed request, refused.
ADHOC_TRANSITIONS: dict[AdhocState, frozenset[AdhocState]] = {
    AdhocState.CREATED: frozenset({AdhocState.AUTHORISED, AdhocState.FAILED}),
    AdhocState.AUTHORISED: frozenset({AdhocState.STARTING, AdhocState.FAILED}),
    AdhocState.STARTING: frozenset({AdhocState.CHARGING, AdhocState.FINISHED,
                                    AdhocState.FAILED}),
    AdhocState.CHARGING: frozenset({AdhocState.FINISHED}),
    AdhocState.FINISHED: frozenset(),
    AdhocState.FAILED: frozenset(),
}


class AdhocSession(Base):
    __tablename__ = "adhoc_sessions"
    __table_args__ = (
        Index("ix_adhoc_sessions_station_state", "station_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random and unguessable: whoever holds it sees this session's page, nobody else.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"))
    evse_id: Mapped[int]
    email: Mapped[str] = mapped_column(String(254))
    state: Mapped[str] = mapped_column(String(16), default=AdhocState.CREATED.value)
    failure: Mapped[str | None] = mapped_column(String(255))
    currency: Mapped[str] = mapped_column(String(3))
    # The price shown to the driver when they paid (Decimals as strings): what they agreed to.
    price: Mapped[dict[str, Any]] = mapped_column(JSON)
    amount_held: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    amount_captured: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    vat_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    payment_provider: Mapped[str] = mapped_column(String(32))
    payment_reference: Mapped[str | None] = mapped_column(String(128), unique=True)
    payment_status: Mapped[str | None] = mapped_column(String(32))
    # The one-time id token of the RemoteStart (20 chars: OCPP 1.6 CiString20).
    id_tag: Mapped[str] = mapped_column(String(20), unique=True)
    transaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("transactions.id", ondelete="SET NULL"))
    energy_wh: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    authorised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
