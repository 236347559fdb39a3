"""A site under live control: temporary external limits, load history, controller status."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from chargegrid.api.deps import Access, DbSession, RuntimeDep, require
from chargegrid.api.schemas.site_control import (
    ControlStatusRead,
    ExternalLimitCreate,
    ExternalLimitRead,
    NodeLoadRead,
)
from chargegrid.control import load_history
from chargegrid.domain.permissions import Action, Resource
from chargegrid.domain.timestamps import format_timestamp
from chargegrid.errors import InvalidInputError, NotFoundError
from chargegrid.services import external_limits
from chargegrid.store.models import ExternalLimit, NodeLoadSample, Site

router = APIRouter(prefix="/sites/{site_id}", tags=["site control"])
SiteId = Annotated[int, Path(ge=1)]
# The site in the URL is checked against the caller's scope by `require` (404 otherwise).
CanRead = Annotated[Access, require(Resource.SITE_CONTROL, Action.READ)]
CanCreate = Annotated[Access, require(Resource.SITE_CONTROL, Action.CREATE)]
CanDelete = Annotated[Access, require(Resource.SITE_CONTROL, Action.DELETE)]


def _site_or_404(db: DbSession, site_id: int) -> Site:
    site = db.get(Site, site_id)
    if site is None:
        raise NotFoundError(f"site {site_id} does not exist")
    return site


@router.post("/limits", response_model=ExternalLimitRead, status_code=status.HTTP_201_CREATED)
def impose_limit(site_id: SiteId, body: ExternalLimitCreate, db: DbSession,
                 runtime: RuntimeDep, access: CanCreate) -> ExternalLimit:
    """Impose a temporary limit (grid operator signal); applied at once, kept as a record."""
    for name in ("starts_at", "ends_at"):
        value = getattr(body, name)
        if value is not None and value.tzinfo is None:
            raise InvalidInputError(f"{name}: needs a UTC offset (e.g. 'Z')")
    row = external_limits.impose(
        db, site_id=site_id, value=body.value, unit=body.unit, ends_at=body.ends_at,
        now=runtime.clock.now(), node_id=body.node_id, starts_at=body.starts_at,
        source="api", reason=body.reason, created_by=access.principal.email)
    db.commit()
    runtime.control.wake(site_id)
    return row


@router.get("/limits", response_model=list[ExternalLimitRead])
def list_limits(site_id: SiteId, db: DbSession, runtime: RuntimeDep, _: CanRead,
                include_past: bool = False) -> list[ExternalLimit]:
    """Limits in force or to come (with `include_past`, also ended and cancelled ones)."""
    _site_or_404(db, site_id)
    return external_limits.list_for_site(db, site_id=site_id, include_past=include_past,
                                         now=runtime.clock.now())


@router.delete("/limits/{limit_id}", response_model=ExternalLimitRead)
def cancel_limit(site_id: SiteId, limit_id: Annotated[int, Path(ge=1)], db: DbSession,
                 runtime: RuntimeDep, _: CanDelete) -> ExternalLimit:
    """End a limit early; the site's controller re-allocates at once."""
    row = external_limits.cancel(db, site_id=site_id, limit_id=limit_id,
                                 now=runtime.clock.now())
    db.commit()
    runtime.control.wake(site_id)
    return row


@router.get("/load", response_model=list[NodeLoadRead])
def node_load(site_id: SiteId, db: DbSession, runtime: RuntimeDep, _: CanRead,
              node_id: Annotated[str | None, Query(max_length=48)] = None,
              minutes: Annotated[int, Query(ge=1, le=10080)] = 60) -> list[NodeLoadSample]:
    """Per-node, per-phase load in one-minute buckets (mean and max)."""
    _site_or_404(db, site_id)
    now = runtime.clock.now()
    return load_history.series(db, site_id=site_id, node_id=node_id,
                               since=now - timedelta(minutes=minutes), until=now)


@router.get("/control", response_model=ControlStatusRead)
def control_status(site_id: SiteId, db: DbSession, runtime: RuntimeDep,
                   _: CanRead) -> ControlStatusRead:
    """The last allocation of this site's controller, if it runs in this process."""
    _site_or_404(db, site_id)
    controller = runtime.control.controllers.get(site_id)
    last = controller.last if controller is not None else None
    at: datetime | None = last.at if last is not None else None
    return ControlStatusRead(
        running=controller is not None, cycles=controller.cycles if controller else 0,
        at=format_timestamp(at) if at else None,
        limits_a={k: float(v["limit_a"]) for k, v in last.allocation["stations"].items()}
        if last else {},
        offline=list(last.offline) if last else [], flagged=list(last.flagged) if last else [],
        stale_meters=list(last.stale_meters) if last else [],
        failed=dict(last.failed) if last else {})
