"""A site as the controller sees it: its tree and the points (EVSEs) wired to it.

Read from the database once per cycle (one query each), so edits through the API or an
import take effect at the next allocation without restarting anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chargegrid.ems.phases import FieldRotation, grid_phase, phase_index
from chargegrid.store.models import Connector, Site, Station

DEFAULT_MAX_A = 32.0


@dataclass(frozen=True, slots=True)
class PointConfig:
    """One EMS point: an EVSE of a station, with the station's wiring."""

    point_id: str
    station_id: str
    evse_id: int
    node: str
    phase_rotation: str
    field_rotation: str
    max_a: float
    min_a: float = 6.0
    priority: int = 0

    def grid_phases(self) -> tuple[int, int, int]:
        """Grid phase (0..2) of the station's L1, L2, L3, by its rotation."""
        start = phase_index(self.phase_rotation)
        rotation: FieldRotation = "L" if self.field_rotation == "L" else "R"
        first, second, third = (grid_phase(start, rotation, k) for k in range(3))
        return first, second, third


@dataclass(frozen=True, slots=True)
class SiteConfig:
    site_id: int
    mode: str
    topology: dict[str, Any]
    points: tuple[PointConfig, ...]

    @property
    def fallback(self) -> dict[str, Any]:
        """Site fallback settings: {"mode": "fair"|"fixed"|"zero", "limit_a": float}."""
        value = self.topology.get("fallback") or {}
        return dict(value) if isinstance(value, dict) else {}


def point_id(station_id: str, evse_id: int, evse_count: int) -> str:
    """Single-EVSE stations keep their own id; others get `id#evse`."""
    return station_id if evse_count <= 1 else f"{station_id}#{evse_id}"


def load(session: Session, *, site_id: int) -> SiteConfig | None:
    """The site's topology and points, or None when the site is gone."""
    site = session.get(Site, site_id)
    if site is None:
        return None
    # Columns, not entities: this runs every cycle, and at 1,000 stations building ORM
    # objects was most of its cost.
    stations = session.execute(
        select(Station.id, Station.node_id, Station.phase_rotation, Station.field_rotation,
               Station.max_current_a)
        .where(Station.site_id == site_id).order_by(Station.id)).all()
    evses: dict[str, set[int]] = {}
    for station_id, evse_id in session.execute(
        select(Connector.station_id, Connector.evse_id)
        .join(Station, Station.id == Connector.station_id)
        .where(Station.site_id == site_id, Connector.evse_id > 0)
    ):
        evses.setdefault(station_id, set()).add(evse_id)
    points: list[PointConfig] = []
    for st in stations:
        ids = sorted(evses.get(st.id) or {1})
        for evse_id in ids:
            points.append(PointConfig(
                point_id=point_id(st.id, evse_id, len(ids)), station_id=st.id, evse_id=evse_id,
                node=st.node_id or "", phase_rotation=st.phase_rotation or "L1",
                field_rotation=st.field_rotation or "R",
                max_a=st.max_current_a or DEFAULT_MAX_A))
    return SiteConfig(site.id, site.mode, dict(site.topology), tuple(points))
