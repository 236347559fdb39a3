"""Temporary limits imposed on a site or node from outside (grid operator signals, demand
response), with a start and an end; the controller applies the tightest active one."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from chargegrid.errors import InvalidInputError, NotFoundError
from chargegrid.store.models import ExternalLimit, Site

log = logging.getLogger(__name__)

VOLTAGE_V = 230.0
MAX_DURATION = timedelta(days=7)


def amps_from(value: float, unit: str) -> float:
    """A requested limit as amperes per phase (kW over three phases at 230 V)."""
    if unit == "A":
        return value
    if unit == "kW":
        return value * 1000.0 / (3 * VOLTAGE_V)
    raise InvalidInputError("unit: must be 'A' or 'kW'")


def impose(session: Session, *, site_id: int, value: float, unit: str, ends_at: datetime,
           now: datetime, node_id: str | None = None, starts_at: datetime | None = None,
           source: str = "api", reason: str | None = None,
           created_by: str | None = None) -> ExternalLimit:
    """Store a limit; `node_id` None means the site's connection point (its root node).
    Logged here, so every source (API, MQTT, CLI) leaves the same trace."""
    node_id = _resolve_node(session, site_id, node_id)
    if not value >= 0:
        raise InvalidInputError("value: must be a number ≥ 0")
    start = starts_at or now
    if ends_at <= start:
        raise InvalidInputError("ends_at: must be after starts_at")
    if ends_at - start > MAX_DURATION:
        raise InvalidInputError("ends_at: a temporary limit lasts at most 7 days")
    row = ExternalLimit(site_id=site_id, node_id=node_id, limit_a=amps_from(value, unit),
                        requested_value=value, requested_unit=unit, starts_at=start,
                        ends_at=ends_at, source=source, reason=reason, created_by=created_by,
                        created_at=now)
    session.add(row)
    session.flush()
    log.info("external limit %s imposed on site %s node %s: %.1f A (%s %s) from %s to %s, "
             "source %s, reason %r", row.id, site_id, node_id, row.limit_a, value, unit,
             start.isoformat(), ends_at.isoformat(), source, reason)
    return row


def _resolve_node(session: Session, site_id: int, node_id: str | None) -> str:
    """The node a limit applies to: the named one (which must exist) or the root."""
    site = session.get(Site, site_id)
    if site is None:
        raise NotFoundError(f"site {site_id} does not exist")
    nodes = [n for n in site.topology.get("nodes", []) if isinstance(n, dict)]
    if node_id is None:
        roots = [str(n["id"]) for n in nodes if n.get("parent") is None]
        if not roots:
            raise InvalidInputError("node_id: the site has no root node")
        return roots[0]
    if node_id not in {str(n["id"]) for n in nodes}:
        raise InvalidInputError(f"node_id: {node_id!r} is not a node of site {site_id}")
    return node_id


def find_same(session: Session, *, site_id: int, node_id: str | None, value: float, unit: str,
              starts_at: datetime | None, ends_at: datetime, source: str,
              now: datetime) -> ExternalLimit | None:
    """A stored, not cancelled, not ended limit equal to this request (a message delivered
    twice), or None. Without `starts_at` the start is not compared (it defaults to now)."""
    node = _resolve_node(session, site_id, node_id)
    query = select(ExternalLimit).where(
        ExternalLimit.site_id == site_id, ExternalLimit.node_id == node,
        ExternalLimit.requested_unit == unit, ExternalLimit.source == source,
        ExternalLimit.cancelled_at.is_(None), ExternalLimit.ends_at > now)
    for row in session.scalars(query):
        if (row.requested_value == value and _same_instant(row.ends_at, ends_at)
                and (starts_at is None or _same_instant(row.starts_at, starts_at))):
            return row
    return None


def _same_instant(stored: datetime, given: datetime) -> bool:
    """SQLite hands back naive UTC datetimes; compare as UTC instants."""
    if stored.tzinfo is None:
        stored = stored.replace(tzinfo=UTC)
    return stored == given


def cancel(session: Session, *, site_id: int, limit_id: int, now: datetime) -> ExternalLimit:
    row = session.get(ExternalLimit, limit_id)
    if row is None or row.site_id != site_id:
        raise NotFoundError(f"limit {limit_id} does not exist on site {site_id}")
    if row.cancelled_at is None:
        row.cancelled_at = now
    return row


def list_for_site(session: Session, *, site_id: int, include_past: bool = False,
                  now: datetime) -> list[ExternalLimit]:
    query = select(ExternalLimit).where(ExternalLimit.site_id == site_id)
    if not include_past:
        query = query.where(ExternalLimit.ends_at > now, ExternalLimit.cancelled_at.is_(None))
    return list(session.scalars(query.order_by(ExternalLimit.starts_at)))


def active(session: Session, *, site_id: int, now: datetime) -> dict[str, float]:
    """Node → the tightest limit (A per phase) in force at `now`."""
    tightest: dict[str, float] = {}
    for row in session.scalars(select(ExternalLimit).where(
            ExternalLimit.site_id == site_id, ExternalLimit.starts_at <= now,
            ExternalLimit.ends_at > now, ExternalLimit.cancelled_at.is_(None))):
        tightest[row.node_id] = min(tightest.get(row.node_id, row.limit_a), row.limit_a)
    return tightest
