"""Hand-worked allocations on the seed's site (Tables 1 and 2), table-driven.

The seed site: HV 200 A feeds UV1 125 A, which carries the three 22 A stations of Table 2
("Exemple 1" on L3, "Exemple 2" on L2, "Exemple 3" on L1, field rotation R). Each case
changes one thing and states the numbers worked out by hand.
"""

from __future__ import annotations

from typing import Any

import pytest

from chargegrid.ems import allocate_scenario
from tests.ems.scenarios import seed, seed_stations

FOUR_SINGLES = {
    "format": "chargegrid-scenario/1", "unbalance_limit_a": 20,
    "nodes": [{"id": "HV", "limit_a": 400}],
    "stations": [
        {"id": "a", "node": "HV", "phase_rotation": "L1", "vehicle_phases": 1, "max_a": 32},
        {"id": "b", "node": "HV", "phase_rotation": "L1", "vehicle_phases": 1, "max_a": 32},
        {"id": "c", "node": "HV", "phase_rotation": "L2", "vehicle_phases": 1, "max_a": 32},
        {"id": "d", "node": "HV", "phase_rotation": "L3", "vehicle_phases": 1, "max_a": 32},
    ],
}

CASES: list[tuple[str, dict[str, Any], dict[str, float]]] = [
    # 3 x 3-phase x 22 A = 66 A per phase: fits UV1 (125 A) and HV (200 A): all at max.
    ("seed as is", seed(), {"Exemple 1": 22, "Exemple 2": 22, "Exemple 3": 22}),
    # UV1 at 40 A: 40 / 3 = 13.33 A each, rounded down to 13.3 A.
    ("UV1 at 40 A", seed(nodes=[*seed()["nodes"][:1], {"id": "UV1", "parent": "HV",
                                                     "limit_a": 40}]),
     {"Exemple 1": 13.3, "Exemple 2": 13.3, "Exemple 3": 13.3}),
    # 1-phase vehicles: the rotation (L3, L2, L1) puts one on each grid phase: balanced, 22 A.
    ("1-phase, rotated", seed(stations=seed_stations(vehicle_phases=1)),
     {"Exemple 1": 22, "Exemple 2": 22, "Exemple 3": 22}),
    # 1-phase all wired L1: mins 3 x 6 = 18 <= 20 A unbalance, all admitted; L1 EV total
    # may not exceed L2/L3 (0 A) by more than 20 A: 20 / 3 = 6.67 -> 6.6 A.
    ("1-phase, all on L1", seed(stations=seed_stations(vehicle_phases=1, phase_rotation="L1")),
     {"Exemple 1": 6.6, "Exemple 2": 6.6, "Exemple 3": 6.6}),
    # Same with a 10 A unbalance limit: the second minimum (12 A) does not fit: one runs,
    # at 10 A.
    ("1-phase on L1, 10 A unbalance",
     seed(unbalance_limit_a=10, stations=seed_stations(vehicle_phases=1, phase_rotation="L1")),
     {"Exemple 1": 10, "Exemple 2": 0, "Exemple 3": 0}),
    # Building draws 190 A per phase at HV: 10 A left. Only one minimum (6 A) fits, it gets 10.
    ("base load 190 A", seed(base_load_a={"HV": {"L1": 190, "L2": 190, "L3": 190}}),
     {"Exemple 1": 10, "Exemple 2": 0, "Exemple 3": 0}),
    # Base load over the fuse on one phase: nothing is safe, every EV gets 0.
    ("base load over the fuse", seed(base_load_a={"HV": {"L1": 0, "L2": 201, "L3": 0}}),
     {"Exemple 1": 0, "Exemple 2": 0, "Exemple 3": 0}),
    # Priority: UV1 40 A, Exemple 3 priority 1 rises first while the others hold 6 A:
    # 40 - 12 = 28 > 22, so 22 A; then the other two share 18 A: 9 A each.
    ("priority", seed(nodes=[*seed()["nodes"][:1], {"id": "UV1", "parent": "HV",
                                                  "limit_a": 40}],
                      stations=[*seed_stations()[:2], {**seed_stations()[2], "priority": 1}]),
     {"Exemple 1": 9, "Exemple 2": 9, "Exemple 3": 22}),
    # Not charging: gets 0, the others are unaffected.
    ("not charging", seed(stations=[{**seed_stations()[0], "charging": False},
                                    *seed_stations()[1:]]),
     {"Exemple 1": 0, "Exemple 2": 22, "Exemple 3": 22}),
    # Balance can need others *above* the common level: two 1-phase on L1, one on L2, one on
    # L3, 20 A unbalance, no fuse binding. L1 total = 2t may exceed L2 and L3 by 20 A only,
    # so L2/L3 vehicles run at 2t - 20 >= t until they hit 32 A: t = 26. Lexicographic
    # max-min: (26, 26, 32, 32), not (20, 20, 20, 20).
    ("unbalance lifts the other phases", FOUR_SINGLES, {"a": 26, "b": 26, "c": 32, "d": 32}),
]


@pytest.mark.parametrize(("name", "scenario", "expected"), CASES, ids=[c[0] for c in CASES])
def test_hand_worked(name: str, scenario: dict[str, Any], expected: dict[str, float]) -> None:
    out = allocate_scenario(scenario)
    got = {sid: v["limit_a"] for sid, v in out["stations"].items()}
    assert got == pytest.approx(expected, abs=1e-9), name


def test_seed_output_shape_and_node_loads() -> None:
    out = allocate_scenario(seed(stations=seed_stations(vehicle_phases=1)))
    assert out["stations"]["Exemple 1"] == {"limit_a": 22.0,
                                            "phases": {"L1": 0.0, "L2": 0.0, "L3": 22.0}}
    assert out["stations"]["Exemple 3"]["phases"] == {"L1": 22.0, "L2": 0.0, "L3": 0.0}
    assert out["nodes"]["HV"] == {"L1": 22.0, "L2": 22.0, "L3": 22.0}
    assert out["nodes"]["UV5"] == {"L1": 0.0, "L2": 0.0, "L3": 0.0}
    assert list(out["nodes"]) == ["HV", "UV1", "UV2", "UV3", "UV4", "UV5", "UV6", "UV7"]


def test_base_load_shows_in_node_totals() -> None:
    out = allocate_scenario(seed(base_load_a={"UV1": {"L1": 40, "L2": 25, "L3": 30}}))
    # UV1: 125 A, 30 A base on L3 leaves 95 A > 66 A: stations at max.
    assert out["nodes"]["UV1"] == {"L1": 106.0, "L2": 91.0, "L3": 96.0}
    assert out["nodes"]["HV"] == {"L1": 106.0, "L2": 91.0, "L3": 96.0}


def test_spec_example_single_phase_on_l3() -> None:
    scenario = {
        "format": "chargegrid-scenario/1", "unbalance_limit_a": 20,
        "nodes": [{"id": "HV", "limit_a": 200}, {"id": "UV3", "parent": "HV", "limit_a": 120},
                  {"id": "UV2", "parent": "UV3", "limit_a": 100}],
        "base_load_a": {"HV": {"L1": 40, "L2": 25, "L3": 30}},
        "stations": [{"id": "Exemple 1", "node": "UV2", "phase_rotation": "L3",
                      "field_rotation": "R", "max_a": 22, "min_a": 6, "priority": 0,
                      "vehicle_phases": 1, "charging": True}]}
    out = allocate_scenario(scenario)
    # Alone on L3 the unbalance rule (EV currents only) caps it at 20 A.
    assert out["stations"]["Exemple 1"] == {"limit_a": 20.0,
                                            "phases": {"L1": 0.0, "L2": 0.0, "L3": 20.0}}
    assert out["nodes"]["HV"] == {"L1": 40.0, "L2": 25.0, "L3": 50.0}
