"""Sites service: scenario import/export, CSV tables, attachments, all-or-nothing."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chargegrid.errors import ConflictError, InvalidInputError, NotFoundError
from chargegrid.services import sites, stations
from chargegrid.store.database import create_db_engine, create_session_factory
from chargegrid.store.models import Site, Station

EXAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "examples"
T0 = datetime(2026, 5, 1, 8, tzinfo=UTC)
T1 = T0 + timedelta(hours=1)

SMALL: dict[str, Any] = {
    "format": "chargegrid-scenario/1",
    "unbalance_limit_a": 20,
    "nodes": [{"id": "HV", "limit_a": 100},
              {"id": "UV1", "parent": "HV", "limit_a": {"L1": 40, "L2": 40, "L3": 32}}],
    "base_load_a": {"HV": {"L1": 10, "L2": 5, "L3": 0}},
    "stations": [
        {"id": "A", "node": "UV1", "phase_rotation": "L1", "field_rotation": "R", "max_a": 16},
        {"id": "B", "node": "UV1", "phase_rotation": "L2", "field_rotation": "L", "max_a": 32,
         "min_a": 8, "priority": 1, "vehicle_phases": 1, "charging": False},
    ],
}
SEED_NODES_CSV = (",Limite (A),Point de connexion\n"
                  "HV,200,\nUV1,125,HV\nUV2,100,UV3\nUV3,120,HV\nUV4,100,HV\n"
                  "UV5,40,UV4\nUV6,60,UV4\nUV7,50,HV\n")
SEED_STATIONS_CSV = (
    "ID de la station;Modèle de station;Sens de rotation du champ;Rotation des phases;"
    "Limite;Point de connexion\n"
    "Exemple 1;Exemple Modele;R;L3;22A;UV1\n"
    "Exemple 2;Exemple Modele;R;L2;22A;UV1\n"
    "Exemple 3;Exemple Modele;R;L1;22A;UV1\n")


def example(name: str) -> dict[str, Any]:
    path = EXAMPLES / name
    if not path.is_file():
        pytest.skip(f"shared example {path} not found (the shared/ folder sits beside the repo)")
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    engine = create_db_engine(database_url)
    try:
        with create_session_factory(engine)() as s:
            yield s
    finally:
        engine.dispose()


def wiring(session: Session, site_id: int) -> dict[str, tuple[Any, ...]]:
    return {st.id: (st.node_id, st.phase_rotation, st.field_rotation, st.max_current_a)
            for st in sites.stations_of(session, site_id=site_id)}


def counts(session: Session) -> tuple[int, int]:
    return (session.scalar(select(func.count()).select_from(Site)) or 0,
            session.scalar(select(func.count()).select_from(Station)) or 0)


def test_import_seed_example(session: Session) -> None:
    site = sites.import_scenario(session, name="seed", raw=example("seed-site.json"), now=T0)
    session.commit()
    assert site.mode == "static" and site.description and site.description.startswith("Seed")
    assert set(site.topology) == {"format", "unbalance_limit_a", "nodes", "fallback", "meters"}
    assert site.topology["fallback"] == {"mode": "fair"} and site.topology["meters"] == []
    assert [n["id"] for n in site.topology["nodes"]][:3] == ["HV", "UV1", "UV2"]
    assert wiring(session, site.id) == {"Exemple 1": ("UV1", "L3", "R", 22.0),
                                        "Exemple 2": ("UV1", "L2", "R", 22.0),
                                        "Exemple 3": ("UV1", "L1", "R", 22.0)}
    station = stations.get_or_raise(session, station_id="Exemple 1")
    assert station.registration_status == "Accepted" and station.model == "Exemple Modele"


def test_import_garage_example_keeps_no_live_data(session: Session) -> None:
    raw = example("garage-48.json")
    site = sites.import_scenario(session, name="garage", raw=raw, now=T0, mode="dynamic")
    session.commit()
    assert site.mode == "dynamic"
    assert "base_load_a" not in site.topology and "stations" not in site.topology
    assert len(wiring(session, site.id)) == len(raw["stations"]) == 48
    exported = sites.export_scenario(session, site_id=site.id)
    assert exported["nodes"] == raw["nodes"]
    assert {s["id"]: s["phase_rotation"] for s in exported["stations"]} == {
        s["id"]: s.get("phase_rotation", "L1") for s in raw["stations"]}


def test_stored_topology_is_the_tree_part(session: Session) -> None:
    raw = {**SMALL, "fallback": {"mode": "fixed", "limit_a": 10},
           "meters": [{"node": "HV", "type": "mqtt", "topic": "site/hv"}]}
    site = sites.import_scenario(session, name="small", raw=raw, now=T0)
    assert site.topology == {
        "format": "chargegrid-scenario/1", "unbalance_limit_a": 20, "nodes": SMALL["nodes"],
        "fallback": {"mode": "fixed", "limit_a": 10.0},
        "meters": [{"node": "HV", "type": "mqtt", "topic": "site/hv"}]}
    assert wiring(session, site.id)["B"] == ("UV1", "L2", "L", 32.0)


def test_reimport_is_idempotent(session: Session) -> None:
    first = sites.import_scenario(session, name="small", raw=SMALL, now=T0)
    session.commit()
    before = (counts(session), wiring(session, first.id), copy.deepcopy(first.topology))
    for replace in (False, True):
        again = sites.import_scenario(session, name="small", raw=copy.deepcopy(SMALL), now=T1,
                                      replace=replace)
        session.commit()
        assert again.id == first.id and again.updated_at == T0
        assert (counts(session), wiring(session, first.id), again.topology) == before


def test_different_file_without_replace_is_a_conflict(session: Session) -> None:
    sites.import_scenario(session, name="small", raw=SMALL, now=T0)
    changed = copy.deepcopy(SMALL)
    changed["stations"][0]["max_a"] = 20
    with pytest.raises(ConflictError, match="replace"):
        sites.import_scenario(session, name="small", raw=changed, now=T1)
    with pytest.raises(ConflictError):
        sites.import_scenario(session, name="small", raw=SMALL, now=T1, mode="dynamic")


def test_replace_rewrites_tree_and_detaches_missing_stations(session: Session) -> None:
    site = sites.import_scenario(session, name="small", raw=SMALL, now=T0, mode="dynamic")
    session.commit()
    new = copy.deepcopy(SMALL)
    new["nodes"].append({"id": "UV2", "parent": "HV", "limit_a": 63})
    new["stations"] = [{"id": "B", "node": "UV2", "phase_rotation": "L3", "max_a": 16},
                       {"id": "C", "node": "UV2", "max_a": 11}]
    sites.import_scenario(session, name="small", raw=new, now=T1, replace=True)
    session.commit()
    assert site.updated_at == T1 and site.mode == "dynamic"  # mode kept when not given
    assert [n["id"] for n in site.topology["nodes"]] == ["HV", "UV1", "UV2"]
    assert wiring(session, site.id) == {"B": ("UV2", "L3", "R", 16.0),
                                        "C": ("UV2", "L1", "R", 11.0)}
    a = stations.get_or_raise(session, station_id="A")  # detached, not deleted
    assert (a.site_id, a.node_id, a.phase_rotation, a.max_current_a) == (None, None, None, None)


def test_station_of_another_site_is_a_conflict_even_with_replace(session: Session) -> None:
    sites.import_scenario(session, name="one", raw=SMALL, now=T0)
    session.commit()
    for replace in (False, True):
        with pytest.raises(ConflictError, match=r"stations\[0\]\.id: station 'A' .* 'one'"):
            sites.import_scenario(session, name="two", raw=SMALL, now=T1, replace=replace)
        session.rollback()
    assert counts(session) == (1, 2)


BAD: list[tuple[str, Any, str]] = [
    ("rotation", {"stations": [SMALL["stations"][0], {**SMALL["stations"][1],
                                                       "phase_rotation": "L4"}]},
     "stations[1].phase_rotation: expected L1, L2 or L3"),
    ("unknown node", {"stations": [{**SMALL["stations"][0], "node": "UV9"}]},
     "stations[0].node: unknown node 'UV9'"),
    ("cycle", {"nodes": [{"id": "HV", "limit_a": 100},
                         {"id": "UV1", "parent": "UV2", "limit_a": 10},
                         {"id": "UV2", "parent": "UV1", "limit_a": 10}]}, "cycle"),
    ("negative limit", {"nodes": [{"id": "HV", "limit_a": -1},
                                  {"id": "UV1", "parent": "HV", "limit_a": 1}]},
     "nodes[0].limit_a: must be >= 0"),
    ("fallback mode", {"fallback": {"mode": "max"}}, "fallback.mode: expected fair"),
    ("fallback fixed", {"fallback": {"mode": "fixed"}}, "fallback.limit_a"),
    ("fallback base", {"fallback": {"base_load_a": {"XX": 5}}},
     "fallback.base_load_a.XX: unknown node"),
    ("meter node", {"meters": [{"node": "XX", "type": "mqtt"}]}, "meters[0].node"),
    ("station id", {"stations": [{**SMALL["stations"][0], "id": "a/b"}]}, "stations[0].id"),
    ("format", {"format": "other/2"}, "format: expected"),
]


@pytest.mark.parametrize(("change", "message"), [(b[1], b[2]) for b in BAD],
                         ids=[b[0] for b in BAD])
def test_bad_file_stores_nothing(session: Session, change: dict[str, Any],
                                 message: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        sites.import_scenario(session, name="bad", raw={**SMALL, **change}, now=T0)
    assert message in caught.value.message
    session.commit()
    assert counts(session) == (0, 0)


def test_bad_replace_leaves_the_site_as_it_was(session: Session) -> None:
    site = sites.import_scenario(session, name="small", raw=SMALL, now=T0)
    session.commit()
    before = (copy.deepcopy(site.topology), wiring(session, site.id), counts(session))
    bad = copy.deepcopy(SMALL)
    bad["stations"].append({"id": "Z", "node": "UV1", "phase_rotation": "L9", "max_a": 16})
    with pytest.raises(InvalidInputError, match=r"stations\[2\]\.phase_rotation"):
        sites.import_scenario(session, name="small", raw=bad, now=T1, replace=True)
    session.commit()
    assert (site.topology, wiring(session, site.id), counts(session)) == before


def test_export_imports_back_unchanged(session: Session) -> None:
    raw = {**SMALL, "description": "two stations", "fallback": {"mode": "zero"}}
    site = sites.import_scenario(session, name="small", raw=raw, now=T0)
    exported = sites.export_scenario(session, site_id=site.id)
    assert "base_load_a" not in exported
    assert exported["description"] == "two stations"
    sites.delete(session, site_id=site.id)
    session.commit()
    again = sites.import_scenario(session, name="small", raw=json.loads(json.dumps(exported)),
                                  now=T1)
    assert sites.export_scenario(session, site_id=again.id) == exported


def test_csv_tables_with_french_headers(session: Session) -> None:
    site = sites.import_csv_tables(session, name="seed", nodes_csv=SEED_NODES_CSV,
                                   stations_csv=SEED_STATIONS_CSV, now=T0,
                                   unbalance_limit_a=20)
    assert site.topology["unbalance_limit_a"] == 20
    assert [(n["id"], n.get("parent"), n["limit_a"]) for n in site.topology["nodes"]][:3] == [
        ("HV", None, 200.0), ("UV1", "HV", 125.0), ("UV2", "UV3", 100.0)]
    assert wiring(session, site.id)["Exemple 1"] == ("UV1", "L3", "R", 22.0)
    nodes_csv, stations_csv = sites.export_csv_tables(session, site_id=site.id)
    assert nodes_csv.splitlines()[0] == "Distributeur,Limite (A),Point de connexion"
    assert "Exemple 1,Exemple Modele,R,L3,22A,UV1" in stations_csv.splitlines()
    again = sites.import_csv_tables(session, name="seed", nodes_csv=nodes_csv,
                                    stations_csv=stations_csv, now=T1)
    assert again.updated_at == T0  # same tables: nothing changed, unbalance rule kept


def test_csv_replace_keeps_fallback_and_meters(session: Session) -> None:
    raw = {"format": "chargegrid-scenario/1", "nodes": [{"id": "HV", "limit_a": 200}],
           "fallback": {"mode": "fixed", "limit_a": 6},
           "meters": [{"node": "HV", "type": "mqtt"}]}
    site = sites.import_scenario(session, name="seed", raw=raw, now=T0)
    sites.import_csv_tables(session, name="seed", nodes_csv=SEED_NODES_CSV,
                            stations_csv=SEED_STATIONS_CSV, now=T1, replace=True)
    assert site.topology["fallback"] == {"mode": "fixed", "limit_a": 6.0}
    assert site.topology["meters"] == [{"node": "HV", "type": "mqtt"}]
    assert len(site.topology["nodes"]) == 8


def test_csv_errors_name_the_row(session: Session) -> None:
    with pytest.raises(InvalidInputError, match=r"stations_csv\[0\]\.limit"):
        sites.import_csv_tables(session, name="x", nodes_csv=SEED_NODES_CSV,
                                stations_csv=SEED_STATIONS_CSV.replace("22A;UV1", "lots;UV1", 1),
                                now=T0)
    assert counts(session) == (0, 0)


def test_attach_detach_update_delete(session: Session) -> None:
    site = sites.import_scenario(session, name="small", raw=SMALL, now=T0)
    stations.create(session, station_id="C", now=T0)
    sites.attach_station(session, site_id=site.id, station_id="C", node="HV",
                         phase_rotation="L2", field_rotation="L", max_a=11, now=T1)
    assert wiring(session, site.id)["C"] == ("HV", "L2", "L", 11.0)
    with pytest.raises(InvalidInputError, match=r"^phase_rotation: expected L1"):
        sites.attach_station(session, site_id=site.id, station_id="C", node="HV",
                             phase_rotation="3", max_a=11, now=T1)
    with pytest.raises(InvalidInputError, match=r"^node: unknown node 'X'"):
        sites.attach_station(session, site_id=site.id, station_id="C", node="X",
                             phase_rotation="L1", max_a=11, now=T1)
    with pytest.raises(NotFoundError):
        sites.attach_station(session, site_id=site.id, station_id="nope", node="HV",
                             phase_rotation="L1", max_a=11, now=T1)
    other = sites.import_scenario(session, name="other", raw={**SMALL, "stations": []}, now=T0)
    with pytest.raises(ConflictError, match=r"^station 'C' is attached to site 'small'"):
        sites.attach_station(session, site_id=other.id, station_id="C", node="HV",
                             phase_rotation="L1", max_a=11, now=T1)
    sites.detach_station(session, site_id=site.id, station_id="C", now=T1)
    with pytest.raises(NotFoundError):
        sites.detach_station(session, site_id=site.id, station_id="C", now=T1)

    sites.update(session, site_id=site.id, now=T1, mode="dynamic", description="garage",
                 fallback={"mode": "fixed", "limit_a": 8})
    assert (site.mode, site.description, site.topology["fallback"]) == (
        "dynamic", "garage", {"mode": "fixed", "limit_a": 8.0})
    with pytest.raises(InvalidInputError, match=r"^mode: expected static or dynamic"):
        sites.update(session, site_id=site.id, now=T1, mode="smart")
    sites.update(session, site_id=site.id, now=T1, description="")
    assert site.description is None

    sites.delete(session, site_id=site.id)
    session.commit()
    assert sites.get(session, site_id=site.id) is None
    assert stations.get_or_raise(session, station_id="A").site_id is None
    with pytest.raises(NotFoundError):
        sites.get_or_raise(session, site_id=site.id)
    assert [s.name for s in sites.list_all(session)] == ["other"]


def test_site_fields_are_validated(session: Session) -> None:
    with pytest.raises(InvalidInputError, match=r"^name:"):
        sites.import_scenario(session, name=" ", raw=SMALL, now=T0)
    with pytest.raises(InvalidInputError, match=r"^mode:"):
        sites.import_scenario(session, name="x", raw=SMALL, now=T0, mode="auto")
    with pytest.raises(InvalidInputError, match=r"^scenario: expected an object"):
        sites.import_scenario(session, name="x", raw=[1], now=T0)
    assert counts(session) == (0, 0)
