"""Sites: the distribution tree the EMS allocates over and the stations wired to it.

Thin over `services.sites`: an invalid scenario is a 422 naming the field inside the
scenario (`stations[3].phase_rotation: ...`), a station wired to another site a 409.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Response, status

from chargegrid.api.deps import Access, DbSession, RuntimeDep, require
from chargegrid.api.schemas.common import StationIdPath
from chargegrid.api.schemas.sites import (
    SCENARIO_DESCRIPTION,
    SCENARIO_EXAMPLE,
    SiteCreate,
    SiteCsvImport,
    SiteCsvTables,
    SiteDetail,
    SiteRead,
    SiteStationRead,
    SiteUpdate,
    StationAttach,
)
from chargegrid.domain.permissions import Action, Resource
from chargegrid.services import scoping, sites
from chargegrid.store.models import Site

router = APIRouter(prefix="/sites", tags=["sites"])

SiteIdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
ScenarioBody = Annotated[dict[str, Any], Body(description=SCENARIO_DESCRIPTION,
                                              examples=[SCENARIO_EXAMPLE])]
CanRead = Annotated[Access, require(Resource.SITE, Action.READ)]
CanCreate = Annotated[Access, require(Resource.SITE, Action.CREATE)]
CanUpdate = Annotated[Access, require(Resource.SITE, Action.UPDATE)]
CanDelete = Annotated[Access, require(Resource.SITE, Action.DELETE)]


def _detail(db: DbSession, site: Site) -> SiteDetail:
    return SiteDetail.of(site, sites.stations_of(db, site_id=site.id))


@router.get("", response_model=list[SiteRead])
def list_sites(db: DbSession, access: CanRead) -> list[Site]:
    """The caller's sites (own organisation and granted ones) by name, with their tree."""
    return sites.list_all(db, where=scoping.sites_where(access.visibility))


@router.post("", response_model=SiteDetail, status_code=status.HTTP_201_CREATED)
def create_site(body: SiteCreate, db: DbSession, runtime: RuntimeDep,
                access: CanCreate) -> SiteDetail:
    """Create a site from a scenario and attach its stations (registering unknown ones);
    posting the same again changes nothing, a different one for the name is a conflict."""
    site = sites.import_scenario(db, name=body.name, raw=body.scenario, mode=body.mode,
                                 description=body.description, now=runtime.clock.now(),
                                 organisation_id=access.principal.organisation_id)
    return _detail(db, site)


@router.post("/import-csv", response_model=SiteDetail, status_code=status.HTTP_201_CREATED)
def import_site_csv(body: SiteCsvImport, db: DbSession, runtime: RuntimeDep,
                    access: CanCreate) -> SiteDetail:
    """Create (or with `replace`, rewrite) a site from the installer's two CSV tables."""
    site = sites.import_csv_tables(
        db, name=body.name, nodes_csv=body.nodes_csv, stations_csv=body.stations_csv,
        mode=body.mode, description=body.description, replace=body.replace,
        unbalance_limit_a=body.unbalance_limit_a, now=runtime.clock.now(),
        organisation_id=access.principal.organisation_id)
    return _detail(db, site)


@router.get("/{site_id}", response_model=SiteDetail)
def get_site(site_id: SiteIdPath, db: DbSession, _: CanRead) -> SiteDetail:
    """One site with its tree and the stations wired to it."""
    return _detail(db, sites.get_or_raise(db, site_id=site_id))


@router.patch("/{site_id}", response_model=SiteDetail)
def update_site(site_id: SiteIdPath, body: SiteUpdate, db: DbSession, runtime: RuntimeDep,
                _: CanUpdate) -> SiteDetail:
    """Switch static/dynamic, change the description or the fallback settings; the
    controller picks it up at its next cycle."""
    fallback = body.fallback.model_dump(exclude_none=True) if body.fallback else None
    site = sites.update(db, site_id=site_id, now=runtime.clock.now(), mode=body.mode,
                        description=body.description, fallback=fallback)
    return _detail(db, site)


@router.delete("/{site_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_site(site_id: SiteIdPath, db: DbSession, _: CanDelete) -> Response:
    """Remove a site; its stations stay registered, detached."""
    sites.delete(db, site_id=site_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{site_id}/scenario")
def export_site_scenario(site_id: SiteIdPath, db: DbSession, _: CanRead) -> dict[str, Any]:
    """The site as a scenario (without base load, which is measured); PUT it back as is."""
    return sites.export_scenario(db, site_id=site_id)


@router.put("/{site_id}/scenario", response_model=SiteDetail)
def replace_site_scenario(site_id: SiteIdPath, db: DbSession, runtime: RuntimeDep,
                          _: CanUpdate, scenario: ScenarioBody) -> SiteDetail:
    """Replace the tree and the attachments: stations not in the scenario are detached."""
    site = sites.get_or_raise(db, site_id=site_id)
    site = sites.import_scenario(db, name=site.name, raw=scenario, replace=True,
                                 now=runtime.clock.now(),
                                 organisation_id=site.organisation_id)
    return _detail(db, site)


@router.get("/{site_id}/csv", response_model=SiteCsvTables)
def export_site_csv(
    site_id: SiteIdPath, db: DbSession, _: CanRead,
    lang: Annotated[str, Query(pattern="^(fr|en)$", description="Header language.")] = "fr",
) -> SiteCsvTables:
    """The site as the installer's two tables (CSV text)."""
    nodes_csv, stations_csv = sites.export_csv_tables(db, site_id=site_id,
                                                      french=lang == "fr")
    return SiteCsvTables(nodes_csv=nodes_csv, stations_csv=stations_csv)


@router.post("/{site_id}/stations/{station_id}", response_model=SiteStationRead)
def attach_station(site_id: SiteIdPath, station_id: StationIdPath, body: StationAttach,
                   db: DbSession, runtime: RuntimeDep, _: CanUpdate) -> SiteStationRead:
    """Hang a registered station on a node (or re-wire it); one on another site is a 409."""
    station = sites.attach_station(
        db, site_id=site_id, station_id=station_id, node=body.node,
        phase_rotation=body.phase_rotation, field_rotation=body.field_rotation,
        max_a=body.max_a, now=runtime.clock.now())
    return SiteStationRead.of(station)


@router.delete("/{site_id}/stations/{station_id}",
               status_code=status.HTTP_204_NO_CONTENT)
def detach_station(site_id: SiteIdPath, station_id: StationIdPath, db: DbSession,
                   runtime: RuntimeDep, _: CanUpdate) -> Response:
    """Take a station out of the site's tree; it stays registered."""
    sites.detach_station(db, site_id=site_id, station_id=station_id, now=runtime.clock.now())
    return Response(status_code=status.HTTP_204_NO_CONTENT)
