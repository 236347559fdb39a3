"""Parsing errors name the field; dict round trip; phase rotation; CSV tables; check."""

from __future__ import annotations

from typing import Any

import pytest

from chargegrid.ems import ScenarioError, parse_scenario, scenario_to_dict
from chargegrid.ems.check import check_scenario
from chargegrid.ems.csv_tables import (
    nodes_to_csv,
    parse_nodes_csv,
    parse_stations_csv,
    stations_to_csv,
    tables_to_scenario,
)
from chargegrid.ems.phases import grid_phase, vehicle_grid_phases
from chargegrid.ems.scenario import Station
from tests.ems.scenarios import SEED, seed, seed_stations


def test_rotation_formula_from_the_spec() -> None:
    # L3, R puts station L1, L2, L3 on grid L3, L1, L2
    assert [grid_phase(2, "R", k) for k in range(3)] == [2, 0, 1]
    assert [grid_phase(2, "L", k) for k in range(3)] == [2, 1, 0]
    assert vehicle_grid_phases(0, "L", 2) == (0, 2)     # L1, L: L1 then L3
    assert vehicle_grid_phases(1, "R", 1) == (1,)


def test_parsed_station_is_the_dataclass_built_normally() -> None:
    """Parsing builds the same object as the dataclass built by hand: equal, hashable, frozen."""
    raw = seed(stations=[{"id": "A", "model": "M", "node": "UV1", "phase_rotation": "L3",
                          "field_rotation": "L", "max_a": 22, "min_a": 8, "priority": 2,
                          "vehicle_phases": 2, "charging": False}])
    parsed = parse_scenario(raw).stations[0]
    built = Station(id="A", node="UV1", phase_rotation=2, field_rotation="L", max_a=22.0,
                    min_a=8.0, priority=2, vehicle_phases=2, charging=False, model="M")
    assert parsed == built and hash(parsed) == hash(built) and repr(parsed) == repr(built)
    assert parsed.grid_phases == (1, 2)
    with pytest.raises(AttributeError):
        parsed.max_a = 32.0  # type: ignore[misc]


BAD: list[tuple[str, Any, str]] = [
    ("two roots", seed(nodes=[*SEED["nodes"], {"id": "X", "limit_a": 5}]), "nodes[8].parent"),
    ("unknown node", seed(stations=[{**SEED["stations"][0], "node": "UV9"}]),
     "stations[0].node"),
    ("negative limit", seed(nodes=[{"id": "HV", "limit_a": -1}], stations=[]),
     "nodes[0].limit_a"),
    ("bad rotation", seed(stations=seed_stations(phase_rotation="L4")),
     "stations[0].phase_rotation"),
    ("bad field rotation", seed(stations=seed_stations(field_rotation="X")),
     "stations[0].field_rotation"),
    ("cycle", {"nodes": [{"id": "A", "limit_a": 1}, {"id": "B", "parent": "C", "limit_a": 1},
                         {"id": "C", "parent": "B", "limit_a": 1}]}, "nodes[1].parent"),
    ("vehicle phases", seed(stations=seed_stations(vehicle_phases=4)),
     "stations[0].vehicle_phases"),
    ("duplicate station", seed(stations=[SEED["stations"][0]] * 2), "stations[1].id"),
    ("unknown phase key", seed(base_load_a={"HV": {"L4": 3}}), "base_load_a.HV.L4"),
    ("string max", seed(stations=seed_stations(max_a="22A")), "stations[0].max_a"),
    ("not an object", [], "scenario"),
]


@pytest.mark.parametrize(("name", "raw", "field"), BAD, ids=[b[0] for b in BAD])
def test_errors_name_the_field(name: str, raw: Any, field: str) -> None:
    with pytest.raises(ScenarioError) as err:
        parse_scenario(raw)
    assert err.value.field == field, name


def test_dict_round_trip() -> None:
    scenario = parse_scenario(seed(base_load_a={"HV": {"L1": 1, "L2": 2, "L3": 3}}))
    assert parse_scenario(scenario_to_dict(scenario)) == scenario


def test_check_lists_every_problem() -> None:
    raw = {"nodes": [{"id": "A", "limit_a": 10}, {"id": "B", "limit_a": 10},
                     {"id": "C", "parent": "Z", "limit_a": 10},
                     {"id": "D", "parent": "E", "limit_a": 1},
                     {"id": "E", "parent": "D", "limit_a": 1}],
           "stations": [{"id": "s", "node": "Q", "max_a": 16}]}
    messages = [str(i) for i in check_scenario(raw)]
    assert any("second root" in m for m in messages)
    assert any("orphan" in m and "'Z'" in m for m in messages)
    assert any("cycle" in m for m in messages)
    assert any("stations[0].node" in m for m in messages)
    assert all(m.startswith("error") for m in messages)


def test_check_warnings() -> None:
    raw = {"nodes": [{"id": "HV", "limit_a": 100},
                     {"id": "UV", "parent": "HV", "limit_a": 125}],
           "base_load_a": {"HV": {"L1": 101, "L2": 0, "L3": 0}},
           "stations": [{"id": "s", "node": "UV", "max_a": 160},
                        {"id": "t", "node": "UV", "max_a": 5, "min_a": 6}]}
    issues = check_scenario(raw)
    assert {i.level for i in issues} == {"warning"}
    fields = {i.field for i in issues}
    assert fields == {"nodes[1].limit_a", "stations[0].max_a", "stations[1].min_a",
                      "base_load_a.HV"}
    assert check_scenario(seed()) == []


TABLE_1 = """\tLimite (A)\tPoint de connexion
HV\t200\t
UV1\t125\tHV
UV2\t100\tUV3
UV3\t120\tHV
UV4\t100\tHV
UV5\t40\tUV4
UV6\t60\tUV4
UV7\t50\tHV
"""
TABLE_2 = """ID de la station\tModèle de station\tSens de rotation du champ\tRotation des phases\tLimite\tPoint de connexion
Exemple 1\tExemple Modèle\tR\tL3\t22A\tUV1
Exemple 2\tExemple Modèle\tR\tL2\t22A\tUV1
Exemple 3\tExemple Modèle\tR\tL1\t22A\tUV1
"""


def test_seed_tables_parse_to_the_seed_site() -> None:
    raw = tables_to_scenario(TABLE_1, TABLE_2)
    assert raw["nodes"] == SEED["nodes"]
    assert [(s["id"], s["phase_rotation"], s["max_a"], s["node"]) for s in raw["stations"]] == [
        ("Exemple 1", "L3", 22.0, "UV1"), ("Exemple 2", "L2", 22.0, "UV1"),
        ("Exemple 3", "L1", 22.0, "UV1")]
    parse_scenario(raw)


def test_english_headers_and_round_trip() -> None:
    scenario = parse_scenario(tables_to_scenario(TABLE_1, TABLE_2))
    for french in (True, False):
        nodes, stations = nodes_to_csv(scenario, french=french), stations_to_csv(
            scenario, french=french)
        assert ("Distributeur" in nodes) == french
        assert parse_nodes_csv(nodes) == SEED["nodes"]
        assert [s["id"] for s in parse_stations_csv(stations)] == [
            "Exemple 1", "Exemple 2", "Exemple 3"]
    english = "Node;Limit (A);Connection point\nHV;200;\nUV1;125,5;HV\n"
    assert parse_nodes_csv(english) == [{"id": "HV", "limit_a": 200.0},
                                        {"id": "UV1", "limit_a": 125.5, "parent": "HV"}]


def test_csv_errors_name_the_cell() -> None:
    with pytest.raises(ScenarioError) as err:
        parse_nodes_csv("Node,Limit (A),Connection point\nHV,lots,\n")
    assert err.value.field == "nodes_csv[0].limit"
    with pytest.raises(ScenarioError) as err:
        parse_stations_csv("Station ID,Limit\nA,16\n")
    assert err.value.field == "stations_csv.header"
