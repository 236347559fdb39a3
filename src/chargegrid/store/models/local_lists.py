"""What each station's Local Authorization List holds, as far as we know, and the token
changes still to be pushed to it.

Kept per station because stations differ: one was offline when a card was blocked, another
refused an update. `version` is None until a station has accepted a full list from us, so
the first push is always Full; after that, changes go out as Differential updates.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chargegrid.store.models.base import Base
from chargegrid.store.types import UTCDateTime


class LocalListState(Base):
    """A station whose local list we manage: the version it holds and the last attempt."""

    __tablename__ = "local_list_states"

    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"),
                                            primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int | None] = mapped_column(Integer)
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_outcome: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)


class LocalListHeld(Base):
    """One token in a station's list, as the station accepted it."""

    __tablename__ = "local_list_entries"
    __table_args__ = (UniqueConstraint("station_id", "token"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"))
    token: Mapped[str] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    parent_id_tag: Mapped[str | None] = mapped_column(String(36))


class LocalListPending(Base):
    """A token changed since the station's list was last brought up to date."""

    __tablename__ = "local_list_pending"
    __table_args__ = (UniqueConstraint("station_id", "token"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"))
    token: Mapped[str] = mapped_column(String(36))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime())
