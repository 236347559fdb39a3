"""Sites: the distribution tree (the EMS's model) and the stations wired to it.

A site's topology is stored in the scenario format (`chargegrid-scenario/1`) without its live
parts: `Site.topology` holds `format`, `unbalance_limit_a`, `nodes` (as given), `fallback`
and `meters`; stations are rows attached through `site_id`, `node_id` and their wiring, and
base loads are measured, never stored. Imports validate everything before writing anything,
so a bad file leaves the database as it was (the caller commits once).

A station attached to *another* site is a conflict even with `replace`: `replace` rewrites
this site only, and silently moving a station would leave the other site's EMS blind to a
load still wired to its fuses (a typo in a station id must not do that). Detach it there
first.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from chargegrid.ems.csv_tables import nodes_to_csv, stations_to_csv, tables_to_scenario
from chargegrid.ems.scenario import FORMAT, ScenarioError, parse_scenario
from chargegrid.errors import ConflictError, InvalidInputError, NotFoundError
from chargegrid.services import stations
from chargegrid.store.models import Site, Station
from chargegrid.store.models.organisations import DEFAULT_ORGANISATION_ID

SiteMode = Literal["static", "dynamic"]
MODES: Final = ("static", "dynamic")
FALLBACK_MODES: Final = ("fair", "fixed", "zero")
NAME_MAX: Final = 128
DESCRIPTION_MAX: Final = 1024
NODE_ID_MAX: Final = 48
DEFAULT_FALLBACK: Final = {"mode": "fair"}


@dataclass(frozen=True, slots=True)
class Attachment:
    """Where a station hangs in a site's tree and how it is wired."""

    station_id: str
    node: str
    phase_rotation: str
    field_rotation: str
    max_a: float
    model: str | None = None


def _invalid(err: ScenarioError, prefix: str = "") -> InvalidInputError:
    """The engine's error with its field path kept (`stations[3].phase_rotation: ...`)."""
    return InvalidInputError(f"{prefix}{err.field}: {err.message}")


def _plain(value: Any) -> Any:
    """What a JSON column gives back, so stored and planned topologies compare equal."""
    return json.loads(json.dumps(value))


def _fallback(raw: Any, nodes: list[Any]) -> dict[str, Any]:
    """{"mode": "fair"|"fixed"|"zero", "limit_a"?: A, "base_load_a"?: {node: A}}."""
    if raw is None:
        return dict(DEFAULT_FALLBACK)
    if not isinstance(raw, dict):
        raise InvalidInputError(f"fallback: expected an object, got {type(raw).__name__}")
    unknown = sorted(set(raw) - {"mode", "limit_a", "base_load_a"})
    if unknown:
        raise InvalidInputError(f"fallback.{unknown[0]}: unknown field")
    mode = raw.get("mode", "fair")
    if mode not in FALLBACK_MODES:
        raise InvalidInputError(f"fallback.mode: expected fair, fixed or zero, got {mode!r}")
    out: dict[str, Any] = {"mode": mode}
    if "limit_a" in raw or mode == "fixed":
        limit = raw.get("limit_a")
        if isinstance(limit, bool) or not isinstance(limit, int | float) or not 0 <= limit < 1e6:
            raise InvalidInputError(f"fallback.limit_a: expected a current >= 0 A, got {limit!r}")
        out["limit_a"] = float(limit)
    if "base_load_a" in raw:
        try:  # the engine's own parser checks the node names and phase values
            parse_scenario({"nodes": nodes, "base_load_a": raw["base_load_a"]})
        except ScenarioError as err:
            raise _invalid(err, "fallback.") from err
        out["base_load_a"] = copy.deepcopy(raw["base_load_a"])
    return out


def _meters(raw: Any, node_ids: set[str]) -> list[dict[str, Any]]:
    """Meter configs kept as given; their drivers check their own options at start-up."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise InvalidInputError("meters: expected a list")
    for k, meter in enumerate(raw):
        if not isinstance(meter, dict):
            raise InvalidInputError(f"meters[{k}]: expected an object")
        if meter.get("node") not in node_ids:
            raise InvalidInputError(f"meters[{k}].node: unknown node {meter.get('node')!r}")
        if not isinstance(meter.get("type"), str) or not meter["type"]:
            raise InvalidInputError(f"meters[{k}].type: expected a meter type")
    return copy.deepcopy(raw)


def validate_scenario(raw: Any) -> tuple[dict[str, Any], list[Attachment], str | None]:
    """The topology to store, the stations to attach and the file's description."""
    try:
        scenario = parse_scenario(raw)
    except ScenarioError as err:
        raise _invalid(err) from err
    for k, node in enumerate(scenario.nodes):
        if len(node.id) > NODE_ID_MAX:
            raise InvalidInputError(f"nodes[{k}].id: at most {NODE_ID_MAX} characters")
    attachments = []
    for k, st in enumerate(scenario.stations):
        try:
            stations.validate_station_id(st.id)
        except InvalidInputError as err:
            raise InvalidInputError(f"stations[{k}].id: {err.message.split(': ', 1)[1]}") from err
        attachments.append(Attachment(st.id, st.node, f"L{st.phase_rotation + 1}",
                                      st.field_rotation, st.max_a, st.model))
    topology = {
        "format": FORMAT,
        "unbalance_limit_a": raw.get("unbalance_limit_a"),
        "nodes": copy.deepcopy(raw["nodes"]),
        "fallback": _fallback(raw.get("fallback"), raw["nodes"]),
        "meters": _meters(raw.get("meters"), {n.id for n in scenario.nodes}),
    }
    return _plain(topology), attachments, scenario.description


def _check_site_fields(name: str, mode: str | None, description: str | None) -> None:
    if not name.strip() or len(name) > NAME_MAX or not name.isprintable():
        raise InvalidInputError(f"name: must be 1..{NAME_MAX} printable characters")
    if mode is not None and mode not in MODES:
        raise InvalidInputError(f"mode: expected static or dynamic, got {mode!r}")
    if description is not None and len(description) > DESCRIPTION_MAX:
        raise InvalidInputError(f"description: at most {DESCRIPTION_MAX} characters")


def get(session: Session, *, site_id: int) -> Site | None:
    """Return the site or None."""
    return session.get(Site, site_id)


def get_or_raise(session: Session, *, site_id: int) -> Site:
    """Return the site or raise NotFoundError."""
    site = session.get(Site, site_id)
    if site is None:
        raise NotFoundError(f"site {site_id} does not exist")
    return site


def get_by_name(session: Session, *, name: str) -> Site | None:
    """Return the site with this name or None."""
    return session.scalars(select(Site).where(Site.name == name)).one_or_none()


def get_by_name_or_raise(session: Session, *, name: str) -> Site:
    """Return the site with this name or raise NotFoundError."""
    site = get_by_name(session, name=name)
    if site is None:
        raise NotFoundError(f"site {name!r} does not exist")
    return site


def list_all(session: Session, *, where: ColumnElement[bool] | None = None) -> list[Site]:
    """All sites by name, restricted by `where` (the caller's scope, services.scoping)."""
    query = select(Site) if where is None else select(Site).where(where)
    return list(session.scalars(query.order_by(Site.name)))


def stations_of(session: Session, *, site_id: int) -> list[Station]:
    """The stations attached to a site, by id."""
    return list(session.scalars(select(Station).where(Station.site_id == site_id)
                                .order_by(Station.id)))


def _wiring(station: Station) -> tuple[str | None, str | None, str | None, float | None]:
    return (station.node_id, station.phase_rotation, station.field_rotation,
            station.max_current_a)


def _attach(station: Station, site_id: int, a: Attachment) -> bool:
    """Wire a station; True if anything changed. A model from the file fills a gap only:
    what the station reports at boot wins."""
    before = (station.site_id, *_wiring(station))
    station.site_id = site_id
    station.node_id, station.phase_rotation = a.node, a.phase_rotation
    station.field_rotation, station.max_current_a = a.field_rotation, a.max_a
    if station.model is None and a.model is not None:
        station.model = a.model
    return before != (station.site_id, *_wiring(station))


def _detach(station: Station) -> None:
    station.site_id = None
    station.node_id = station.phase_rotation = station.field_rotation = None
    station.max_current_a = None


def _check_not_elsewhere(session: Session, attachments: list[Attachment],
                         site_id: int | None, *, indexed: bool = True) -> dict[str, Station]:
    """The existing rows of the file's stations; a station on another site is a conflict."""
    ids = [a.station_id for a in attachments]
    rows = {st.id: st for st in session.scalars(select(Station).where(Station.id.in_(ids)))}
    for k, a in enumerate(attachments):
        row = rows.get(a.station_id)
        if row is not None and row.site_id is not None and row.site_id != site_id:
            other = session.get(Site, row.site_id)
            raise ConflictError(
                f"{f'stations[{k}].id: ' if indexed else ''}station {a.station_id!r} is "
                f"attached to site "
                f"{other.name if other else row.site_id!r}; detach it there first")
    return rows


def _unchanged(session: Session, site: Site, topology: dict[str, Any],
               attachments: list[Attachment], mode: str | None,
               description: str | None) -> bool:
    current = {st.id: _wiring(st) for st in stations_of(session, site_id=site.id)}
    planned = {a.station_id: (a.node, a.phase_rotation, a.field_rotation, a.max_a)
               for a in attachments}
    return (_plain(site.topology) == topology and current == planned
            and (mode is None or mode == site.mode)
            and (description is None or description == site.description))


def import_scenario(session: Session, *, name: str, raw: Any, now: datetime,
                    mode: str | None = None, replace: bool = False,
                    description: str | None = None,
                    organisation_id: int | None = None) -> Site:
    """Create a site from a scenario, or with `replace` rewrite its tree and attachments.

    Re-importing what is stored changes nothing; without `replace`, a different file for an
    existing name is a conflict. `mode`/`description` None keep the stored value (a new
    site is static; its description comes from the file)."""
    topology, attachments, file_description = validate_scenario(raw)
    description = description if description is not None else file_description
    _check_site_fields(name, mode, description)
    site = get_by_name(session, name=name)
    if organisation_id is not None:
        # With an organisation (API callers) the site and every station the file names must
        # be that organisation's; names and station ids are unique installation-wide, so
        # another organisation's are refused, never touched.
        if site is not None and site.organisation_id != organisation_id:
            raise ConflictError(f"site name {name!r} is taken; choose another name")
        ids = [a.station_id for a in attachments]
        for row in session.scalars(select(Station).where(Station.id.in_(ids))):
            if row.organisation_id != organisation_id:
                raise ConflictError(f"station {row.id!r} is registered to another "
                                    "organisation")
    if site is not None and _unchanged(session, site, topology, attachments, mode, description):
        return site
    if site is not None and not replace:
        raise ConflictError(f"site {name!r} already exists with a different topology or "
                            "stations; import with replace to overwrite it")
    rows = _check_not_elsewhere(session, attachments, site.id if site else None)
    # Everything is valid: from here on, write.
    if site is None:
        site = Site(name=name, description=description, topology=topology,
                    mode=mode or "static", created_at=now, updated_at=now,
                    organisation_id=organisation_id or DEFAULT_ORGANISATION_ID)
        session.add(site)
        session.flush()
    else:
        site.topology = topology
        site.mode = mode or site.mode
        site.description = description if description is not None else site.description
        site.updated_at = now
        keep = {a.station_id for a in attachments}
        for st in stations_of(session, site_id=site.id):
            if st.id not in keep:
                _detach(st)
    for a in attachments:
        row = rows.get(a.station_id) or stations.create(
            session, station_id=a.station_id, now=now,
            organisation_id=organisation_id or DEFAULT_ORGANISATION_ID)
        _attach(row, site.id, a)
    session.flush()
    return site


def import_csv_tables(session: Session, *, name: str, nodes_csv: str, stations_csv: str,
                      now: datetime, mode: str | None = None, replace: bool = False,
                      description: str | None = None,
                      unbalance_limit_a: float | None = None,
                      organisation_id: int | None = None) -> Site:
    """Import the installer's two tables (seed Tables 1 and 2). The tables carry no
    unbalance rule, fallback or meters: an existing site keeps its own."""
    try:
        raw = tables_to_scenario(nodes_csv, stations_csv)
    except ScenarioError as err:
        raise _invalid(err) from err
    existing = get_by_name(session, name=name)
    kept = existing.topology if existing is not None else {}
    for key in ("unbalance_limit_a", "fallback", "meters"):
        if kept.get(key) is not None:
            raw[key] = kept[key]
    if unbalance_limit_a is not None:
        raw["unbalance_limit_a"] = unbalance_limit_a
    return import_scenario(session, name=name, raw=raw, now=now, mode=mode, replace=replace,
                           description=description, organisation_id=organisation_id)


def export_scenario(session: Session, *, site_id: int) -> dict[str, Any]:
    """The site as a scenario (no base load: that is measured); it imports back unchanged."""
    site = get_or_raise(session, site_id=site_id)
    topology = site.topology
    out: dict[str, Any] = {"format": FORMAT}
    if site.description is not None:
        out["description"] = site.description
    if topology.get("unbalance_limit_a") is not None:
        out["unbalance_limit_a"] = topology["unbalance_limit_a"]
    out["nodes"] = copy.deepcopy(topology.get("nodes", []))
    out["fallback"] = copy.deepcopy(topology.get("fallback") or DEFAULT_FALLBACK)
    out["meters"] = copy.deepcopy(topology.get("meters") or [])
    out["stations"] = [
        {"id": st.id, **({"model": st.model} if st.model else {}), "node": st.node_id,
         "phase_rotation": st.phase_rotation or "L1", "field_rotation": st.field_rotation or "R",
         "max_a": st.max_current_a if st.max_current_a is not None else 32.0}
        for st in stations_of(session, site_id=site.id)]
    return out


def export_csv_tables(session: Session, *, site_id: int, french: bool = True) -> tuple[str, str]:
    """The site as the installer's two tables: (nodes CSV, stations CSV)."""
    scenario = parse_scenario(export_scenario(session, site_id=site_id))
    return nodes_to_csv(scenario, french=french), stations_to_csv(scenario, french=french)


def update(session: Session, *, site_id: int, now: datetime, mode: str | None = None,
           description: str | None = None, fallback: dict[str, Any] | None = None) -> Site:
    """Change the mode, the description ("" clears it) or the fallback settings."""
    site = get_or_raise(session, site_id=site_id)
    _check_site_fields(site.name, mode, description)
    if fallback is not None:
        checked = _fallback(fallback, site.topology.get("nodes", []))
        site.topology = {**site.topology, "fallback": checked}
    if mode is not None:
        site.mode = mode
    if description is not None:
        site.description = description or None
    site.updated_at = now
    session.flush()
    return site


def attach_station(session: Session, *, site_id: int, station_id: str, node: str,
                   phase_rotation: str, now: datetime, field_rotation: str = "R",
                   max_a: float) -> Station:
    """Hang a registered station on a node of the site (or re-wire it there)."""
    site = get_or_raise(session, site_id=site_id)
    station = stations.get_or_raise(session, station_id=station_id)
    one = {"nodes": site.topology.get("nodes", []), "stations": [
        {"id": station_id, "node": node, "phase_rotation": phase_rotation,
         "field_rotation": field_rotation, "max_a": max_a}]}
    try:
        parse_scenario(one)
    except ScenarioError as err:
        raise InvalidInputError(f"{err.field.removeprefix('stations[0].')}: {err.message}") \
            from err
    wiring = Attachment(station_id, node, phase_rotation, field_rotation, float(max_a))
    _check_not_elsewhere(session, [wiring], site.id, indexed=False)
    if _attach(station, site.id, wiring):
        site.updated_at = now
    session.flush()
    return station


def detach_station(session: Session, *, site_id: int, station_id: str, now: datetime) -> Station:
    """Take a station out of the site's tree; the station stays registered."""
    site = get_or_raise(session, site_id=site_id)
    station = stations.get_or_raise(session, station_id=station_id)
    if station.site_id != site.id:
        raise NotFoundError(f"station {station_id!r} is not attached to site {site.name!r}")
    _detach(station)
    site.updated_at = now
    session.flush()
    return station


def delete(session: Session, *, site_id: int) -> None:
    """Remove a site; its stations are detached, not deleted."""
    site = get_or_raise(session, site_id=site_id)
    for station in stations_of(session, site_id=site.id):
        _detach(station)
    session.delete(site)
    session.flush()
