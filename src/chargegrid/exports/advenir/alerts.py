"""The one alert an operator needs: a funded point whose data ADVENIR has not acknowledged
for more than a month (the protocol's minimum sending frequency, section 3.1).

It looks at what is pending, not at when the job last ran: a job that runs but whose
requests keep failing raises the same alert as a job that never runs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chargegrid.store.models import AdvenirAccount, AdvenirOperation

log = logging.getLogger(__name__)

MAX_UNACKNOWLEDGED_AGE = timedelta(days=31)


@dataclass(frozen=True, slots=True)
class OverdueStation:
    """A StationID with operations ended longer ago than the limit and still not sent."""

    account: str
    advenir_station_id: str
    pending: int
    oldest_stop: datetime
    last_error: str | None

    def message(self) -> str:
        why = f" (last error: {self.last_error})" if self.last_error else ""
        return (f"ADVENIR {self.account}/{self.advenir_station_id}: {self.pending} "
                f"operation(s) unacknowledged since {self.oldest_stop.isoformat()}{why}")


def overdue_stations(session: Session, *, now: datetime,
                     max_age: timedelta = MAX_UNACKNOWLEDGED_AGE) -> list[OverdueStation]:
    """Stations whose oldest unacknowledged operation ended more than `max_age` ago."""
    oldest = func.min(AdvenirOperation.stopped_at)
    query = (
        select(AdvenirAccount.name, AdvenirOperation.advenir_station_id,
               func.count(AdvenirOperation.id), oldest, func.max(AdvenirOperation.last_error))
        .join(AdvenirAccount, AdvenirAccount.id == AdvenirOperation.account_id)
        .where(AdvenirOperation.state == "pending")
        .group_by(AdvenirAccount.name, AdvenirOperation.advenir_station_id)
        .having(oldest < now - max_age)
        .order_by(AdvenirAccount.name, AdvenirOperation.advenir_station_id)
    )
    return [OverdueStation(name, station, count, stop, error)
            for name, station, count, stop, error in session.execute(query)]


def report(alerts: list[OverdueStation]) -> None:
    """Log each alert at WARNING, where the operator's monitoring picks warnings up."""
    for alert in alerts:
        log.warning("%s", alert.message())
