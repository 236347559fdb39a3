"""Sites as the API shows them: the stored tree (scenario format without live data) and the
stations wired to it. Scenario bodies stay plain JSON objects: the engine's parser checks
them and names the offending field (`stations[3].phase_rotation`), which a pydantic model of
the whole format would only duplicate."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from chargegrid.api.schemas.common import ReadModel, UtcDatetime, WriteModel
from chargegrid.services.sites import DESCRIPTION_MAX, NAME_MAX, NODE_ID_MAX
from chargegrid.store.models import Site, Station

SiteMode = Literal["static", "dynamic"]
CSV_MAX = 1_000_000
SCENARIO_DESCRIPTION = ("A scenario (format chargegrid-scenario/1): nodes, unbalance_limit_a, "
                        "stations, and optionally fallback and meters.")
SCENARIO_EXAMPLE: dict[str, Any] = {
    "format": "chargegrid-scenario/1", "unbalance_limit_a": 20,
    "nodes": [{"id": "HV", "limit_a": 200}, {"id": "UV1", "parent": "HV", "limit_a": 125}],
    "stations": [{"id": "CP1", "node": "UV1", "phase_rotation": "L2", "field_rotation": "R",
                  "max_a": 22}]}


class SiteCreate(WriteModel):
    """A new site from a scenario; the same body again changes nothing."""

    name: str = Field(min_length=1, max_length=NAME_MAX)
    mode: SiteMode | None = Field(default=None, description="static (the default for a new "
                                  "site: fixed limits only) or dynamic (measured base load).")
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX)
    scenario: dict[str, Any] = Field(description=SCENARIO_DESCRIPTION,
                                     examples=[SCENARIO_EXAMPLE])


class Fallback(WriteModel):
    """What stations may draw when they cannot hear from us."""

    mode: Literal["fair", "fixed", "zero"] = "fair"
    limit_a: float | None = Field(default=None, ge=0, le=1000,
                                  description="Per-phase current for mode fixed.")
    base_load_a: dict[str, float | dict[str, float]] | None = Field(
        default=None, description="Worst-case base load per node assumed for the fallback.")


class SiteUpdate(WriteModel):
    """Change the mode, the description ("" clears it) or the fallback; absent fields stay."""

    mode: SiteMode | None = None
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX)
    fallback: Fallback | None = None


class StationAttach(WriteModel):
    """Where the station hangs in the tree and how it is wired."""

    node: str = Field(min_length=1, max_length=NODE_ID_MAX)
    phase_rotation: Literal["L1", "L2", "L3"] = Field(
        description="The grid phase the station's own L1 is wired to.")
    field_rotation: Literal["R", "L"] = "R"
    max_a: float = Field(ge=0, le=1000, description="The station's (or cable's) limit in A.")


class SiteCsvImport(WriteModel):
    """The installer's two tables (seed Tables 1 and 2) as CSV text, French or English
    headers, separated by tab, comma or semicolon."""

    name: str = Field(min_length=1, max_length=NAME_MAX)
    nodes_csv: str = Field(max_length=CSV_MAX, examples=[
        "Distributeur;Limite (A);Point de connexion\nHV;200;\nUV1;125;HV\n"])
    stations_csv: str = Field(max_length=CSV_MAX, examples=[
        "ID de la station;Modèle de station;Sens de rotation du champ;Rotation des phases;"
        "Limite;Point de connexion\nCP1;X1;R;L3;22A;UV1\n"])
    mode: SiteMode | None = None
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX)
    unbalance_limit_a: float | None = Field(default=None, ge=0, le=10_000)
    replace: bool = False


class SiteCsvTables(BaseModel):
    nodes_csv: str
    stations_csv: str


class SiteStationRead(ReadModel):
    id: str
    node: str | None
    phase_rotation: str | None
    field_rotation: str | None
    max_a: float | None
    model: str | None
    connected: bool

    @classmethod
    def of(cls, station: Station) -> SiteStationRead:
        """A station row as wired in its site."""
        return cls(id=station.id, node=station.node_id, phase_rotation=station.phase_rotation,
                   field_rotation=station.field_rotation, max_a=station.max_current_a,
                   model=station.model, connected=station.connected)


class SiteRead(ReadModel):
    id: int
    name: str
    description: str | None
    mode: str
    topology: dict[str, Any]
    created_at: UtcDatetime
    updated_at: UtcDatetime


class SiteDetail(SiteRead):
    """A site with the stations attached to it."""

    stations: list[SiteStationRead]

    @classmethod
    def of(cls, site: Site, stations: list[Station]) -> SiteDetail:
        """Combine the site row with its station rows."""
        fields = {name: getattr(site, name) for name in SiteRead.model_fields}
        return cls(**fields, stations=[SiteStationRead.of(st) for st in stations])
