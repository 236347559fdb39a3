"""Scenario builders shared by the EMS tests (seed topology, random instances)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "examples"

# Seed Table 1 (distribution tree) and Table 2 (phase rotation), kept inline so the tests do
# not depend on files outside the repository.
SEED: dict[str, Any] = {
    "format": "chargegrid-scenario/1",
    "unbalance_limit_a": 20,
    "nodes": [
        {"id": "HV", "limit_a": 200},
        {"id": "UV1", "parent": "HV", "limit_a": 125},
        {"id": "UV2", "parent": "UV3", "limit_a": 100},
        {"id": "UV3", "parent": "HV", "limit_a": 120},
        {"id": "UV4", "parent": "HV", "limit_a": 100},
        {"id": "UV5", "parent": "UV4", "limit_a": 40},
        {"id": "UV6", "parent": "UV4", "limit_a": 60},
        {"id": "UV7", "parent": "HV", "limit_a": 50},
    ],
    "stations": [
        {"id": f"Exemple {k}", "model": "Exemple Modele", "node": "UV1",
         "field_rotation": "R", "phase_rotation": rot, "max_a": 22}
        for k, rot in ((1, "L3"), (2, "L2"), (3, "L1"))
    ],
}


def seed(**changes: Any) -> dict[str, Any]:
    """A copy of the seed scenario with top-level keys replaced."""
    scenario = copy.deepcopy(SEED)
    scenario.update(changes)
    return scenario


def seed_stations(**fields: Any) -> list[dict[str, Any]]:
    """The seed's three stations with the same fields changed on each."""
    return [{**s, **fields} for s in copy.deepcopy(SEED["stations"])]


def load_example(name: str) -> dict[str, Any] | None:
    path = EXAMPLES / name
    return json.loads(path.read_text()) if path.exists() else None


@st.composite
def random_scenarios(draw: st.DrawFn, *, max_nodes: int = 6, max_stations: int = 9,
                     band: bool | None = None) -> dict[str, Any]:
    """Random trees, rotations, vehicle phase counts, base loads, priorities, bands."""
    n_nodes = draw(st.integers(1, max_nodes))
    nodes: list[dict[str, Any]] = []
    for k in range(n_nodes):
        node: dict[str, Any] = {"id": f"N{k}"}
        if k:
            node["parent"] = f"N{draw(st.integers(0, k - 1))}"
        if draw(st.booleans()):
            node["limit_a"] = draw(st.integers(8, 120))
        else:
            node["limit_a"] = {p: draw(st.integers(8, 120)) for p in ("L1", "L2", "L3")}
        nodes.append(node)
    base: dict[str, Any] = {}
    for k in range(n_nodes):
        if draw(st.integers(0, 3)) == 0:
            base[f"N{k}"] = {p: draw(st.integers(0, 60)) for p in ("L1", "L2", "L3")}
    stations = []
    for k in range(draw(st.integers(1, max_stations))):
        stations.append({
            "id": f"S{k}", "node": f"N{draw(st.integers(0, n_nodes - 1))}",
            "phase_rotation": draw(st.sampled_from(["L1", "L2", "L3"])),
            "field_rotation": draw(st.sampled_from(["R", "L"])),
            "max_a": draw(st.sampled_from([6, 10, 13.5, 16, 20, 32])),
            "min_a": draw(st.sampled_from([0, 6, 6, 6, 8])),
            "priority": draw(st.integers(0, 2)),
            "vehicle_phases": draw(st.sampled_from([1, 1, 2, 3, 3])),
            "charging": draw(st.integers(0, 7)) > 0,
        })
    scenario: dict[str, Any] = {"format": "chargegrid-scenario/1", "nodes": nodes,
                                "stations": stations}
    if base:
        scenario["base_load_a"] = base
    with_band = draw(st.booleans()) if band is None else band
    if with_band:
        scenario["unbalance_limit_a"] = draw(st.sampled_from([0, 5, 10, 20, 30]))
    return scenario


@st.composite
def binding_scenarios(draw: st.DrawFn, *, max_nodes: int = 5,
                      max_stations: int = 12) -> dict[str, Any]:
    """Sites where the unbalance limit tends to bind: mostly 1- and 2-phase vehicles on
    rotated phases, small limits (0-10 A), fuses that bind sometimes, no base-load overload."""
    n_nodes = draw(st.integers(1, max_nodes))
    nodes: list[dict[str, Any]] = []
    for k in range(n_nodes):
        node: dict[str, Any] = {"id": f"N{k}"}
        if k:
            node["parent"] = f"N{draw(st.integers(0, k - 1))}"
        node["limit_a"] = {p: draw(st.integers(20, 160)) for p in ("L1", "L2", "L3")}
        nodes.append(node)
    stations = []
    for k in range(draw(st.integers(2, max_stations))):
        stations.append({
            "id": f"S{k}", "node": f"N{draw(st.integers(0, n_nodes - 1))}",
            "phase_rotation": draw(st.sampled_from(["L1", "L1", "L2", "L3"])),
            "field_rotation": draw(st.sampled_from(["R", "L"])),
            "max_a": draw(st.sampled_from([10, 16, 20, 32])),
            "min_a": draw(st.sampled_from([0, 6, 6, 8])),
            "priority": draw(st.integers(0, 2)),
            "vehicle_phases": draw(st.sampled_from([1, 1, 1, 2, 3])),
            "charging": draw(st.integers(0, 9)) > 0,
        })
    scenario: dict[str, Any] = {"format": "chargegrid-scenario/1", "nodes": nodes,
                                "stations": stations,
                                "unbalance_limit_a": draw(st.sampled_from([0, 2, 5, 10]))}
    if draw(st.booleans()):
        scenario["base_load_a"] = {"N0": {p: draw(st.integers(0, 15))
                                          for p in ("L1", "L2", "L3")}}
    return scenario
