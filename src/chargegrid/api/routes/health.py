"""Liveness for load balancers and monitoring: the one endpoint open without a token."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from chargegrid import __version__
from chargegrid.api.deps import DbSession

router = APIRouter(tags=["health"])


class HealthRead(BaseModel):
    status: str
    version: str


@router.get("/health", response_model=HealthRead)
def health(db: DbSession) -> HealthRead:
    """Answers 200 when the API is up and the database answers (no token needed)."""
    db.execute(text("SELECT 1"))
    return HealthRead(status="ok", version=__version__)
