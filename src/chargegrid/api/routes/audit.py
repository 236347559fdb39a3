"""The audit log (read only): every administrative and remote action, who, when, result."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from chargegrid.api.deps import Access, DbSession, require
from chargegrid.api.schemas.accounts import AuditEntryRead
from chargegrid.api.schemas.common import Limit, Offset
from chargegrid.domain.permissions import Action, Resource
from chargegrid.services import audit
from chargegrid.store.models import AuditEntry

router = APIRouter(prefix="/audit-log", tags=["audit"])

CanRead = Annotated[Access, require(Resource.AUDIT_LOG, Action.READ)]


@router.get("", response_model=list[AuditEntryRead])
def list_audit(db: DbSession, access: CanRead, limit: Limit = 100, offset: Offset = 0,
               action: Annotated[str | None, Query(max_length=64)] = None,
               resource: Annotated[str | None, Query(max_length=64)] = None,
               user_id: Annotated[int | None, Query(ge=1)] = None) -> list[AuditEntry]:
    """Newest first, for the caller's organisations."""
    return audit.list_entries(db, visibility=access.visibility, limit=limit, offset=offset,
                              action=action, resource=resource, user_id=user_id)
