"""The audit log: who did what, when, with which result. Append-only; written in its own
transaction so that a refused or failed request is recorded even though its own changes
are rolled back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chargegrid.services.scoping import Visibility, where
from chargegrid.store.models import AuditEntry

RESULT_OK = "ok"


def record(sessions: Callable[[], Session], *, at: datetime, organisation_id: int,
           user_id: int | None, actor: str, action: str, resource: str,
           resource_id: str | None, result: str, detail: dict[str, Any] | None = None) -> None:
    """Append one entry and commit it at once (its own session)."""
    with sessions() as session:
        session.add(AuditEntry(
            at=at, organisation_id=organisation_id, user_id=user_id, actor=actor[:64],
            action=action[:64], resource=resource[:64],
            resource_id=resource_id[:64] if resource_id else None, result=result[:32],
            detail=detail))
        session.commit()


def list_entries(session: Session, *, visibility: Visibility, limit: int, offset: int = 0,
                 action: str | None = None, resource: str | None = None,
                 user_id: int | None = None) -> list[AuditEntry]:
    """Newest first, restricted to what the caller may see, optionally filtered."""
    query = select(AuditEntry).where(where(AuditEntry, visibility))
    if action is not None:
        query = query.where(AuditEntry.action == action)
    if resource is not None:
        query = query.where(AuditEntry.resource == resource)
    if user_id is not None:
        query = query.where(AuditEntry.user_id == user_id)
    query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    return list(session.scalars(query.limit(limit).offset(offset)))
