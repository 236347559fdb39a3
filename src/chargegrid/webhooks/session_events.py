"""session.started / session.stopped payloads, built from the stored transaction.

The bus event only says which transaction changed; the payload is read back from the
database so that what receivers get is what we stored (energy, stop reason), whatever the
OCPP version the station speaks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from chargegrid.store.models import Station, Transaction
from chargegrid.webhooks.events import SESSION_STARTED, SESSION_STOPPED
from chargegrid.webhooks.outbox import emit


def session_payload(tx: Transaction) -> dict[str, Any]:
    """The `data` of a session event; stopped sessions add their end, energy and duration."""
    data: dict[str, Any] = {
        "transaction_id": tx.id, "uid": tx.uid, "station_id": tx.station_id,
        "evse_id": tx.evse_id, "connector_id": tx.connector_id, "id_tag": tx.id_tag,
        "started_at": tx.started_at, "meter_start_wh": tx.meter_start_wh, "state": tx.state,
    }
    if tx.stopped_at is not None:
        data.update(
            stopped_at=tx.stopped_at, meter_stop_wh=tx.meter_stop_wh, energy_wh=tx.energy_wh,
            stop_reason=tx.stop_reason,
            duration_s=int((tx.stopped_at - tx.started_at).total_seconds()))
    return data


def emit_session_event(session: Session, *, event_type: str, transaction_id: int,
                       now: datetime) -> str | None:
    """Queue a session event for a stored transaction; None if it is unknown (deleted)."""
    assert event_type in (SESSION_STARTED, SESSION_STOPPED)
    tx = session.get(Transaction, transaction_id)
    if tx is None:
        return None
    station = session.get(Station, tx.station_id)
    organisation_id = station.organisation_id if station is not None else None
    return emit(session, event_type, session_payload(tx), now=now,
                organisation_id=organisation_id)
