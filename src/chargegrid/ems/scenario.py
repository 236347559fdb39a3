"""Typed scenario model (format `chargegrid-scenario/1`) and its dict form.

The engine works on these frozen types only; parsing is the one place that trusts nothing,
so every error names the offending field (`nodes[2].parent`, `stations[5].phase_rotation`)
the way an installer's spreadsheet row would be pointed at.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from chargegrid.ems.phases import PHASES, FieldRotation, vehicle_grid_phases
from chargegrid.ems.topology import check_tree

FORMAT = "chargegrid-scenario/1"
_START = {name: k for k, name in enumerate(PHASES)}
Triple = tuple[float, float, float]


class ScenarioError(ValueError):
    """Invalid scenario input; `field` is the path of the offending value."""

    code = "invalid_scenario"

    def __init__(self, field_path: str, message: str) -> None:
        super().__init__(f"{field_path}: {message}")
        self.field = field_path
        self.message = message


@dataclass(frozen=True, slots=True)
class Node:
    """A distributor with its per-phase fuse limit (grid L1, L2, L3)."""

    id: str
    parent: str | None
    limit_a: Triple


@dataclass(frozen=True, slots=True)
class Station:
    """A charging station, how it is wired and what its vehicle asks for now."""

    id: str
    node: str
    phase_rotation: int
    field_rotation: FieldRotation
    max_a: float
    min_a: float = 6.0
    priority: int = 0
    vehicle_phases: int = 3
    charging: bool = True
    model: str | None = None

    @property
    def grid_phases(self) -> tuple[int, ...]:
        """Grid phases (0..2) this station's vehicle draws on."""
        return vehicle_grid_phases(self.phase_rotation, self.field_rotation,
                                   self.vehicle_phases)


@dataclass(frozen=True, slots=True)
class Scenario:
    """One snapshot of a site: topology, base loads, stations and the unbalance rule."""

    nodes: tuple[Node, ...]
    stations: tuple[Station, ...]
    base_load_a: dict[str, Triple] = field(default_factory=dict)
    unbalance_limit_a: float | None = None
    description: str | None = None


def _number(value: Any, path: str, *, minimum: float | None = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(path, f"expected a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ScenarioError(path, f"expected a finite number, got {value!r}")
    if minimum is not None and number < minimum:
        raise ScenarioError(path, f"must be >= {minimum:g}, got {value!r}")
    return number


def _triple(value: Any, path: str, *, minimum: float | None = 0.0) -> Triple:
    if isinstance(value, dict):
        unknown = set(value) - set(PHASES)
        if unknown:
            raise ScenarioError(f"{path}.{sorted(unknown)[0]}", "unknown phase (use L1, L2, L3)")
        missing = [p for p in PHASES if p not in value]
        if missing and minimum is not None and path.endswith("limit_a"):
            raise ScenarioError(f"{path}.{missing[0]}", "missing phase limit")
        a, b, c = (_number(value.get(p, 0), f"{path}.{p}", minimum=minimum) for p in PHASES)
        return (a, b, c)
    number = _number(value, path, minimum=minimum)
    return (number, number, number)


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value:
        raise ScenarioError(path, f"expected a non-empty string, got {value!r}")
    return value


def _object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ScenarioError(path, f"expected an object, got {type(value).__name__}")
    return value


def _fast_number(value: Any, path: str, name: str) -> float:
    """`_number` for the common case (a finite non-negative int/float), else its checks."""
    if type(value) in (int, float) and 0.0 <= value < math.inf:
        return float(value)
    return _number(value, f"{path}.{name}")


def _parse_station(raw: Any, path: str, node_ids: set[str]) -> Station:
    # The common case is checked inline and field paths are only formatted on an error:
    # a site sends a thousand stations every control cycle.
    obj = raw if type(raw) is dict else _object(raw, path)
    node = obj.get("node")
    if type(node) is not str or not node:
        node = _text(node, f"{path}.node")
    if node not in node_ids:
        raise ScenarioError(f"{path}.node", f"unknown node {node!r}")
    rotation_name = obj.get("phase_rotation", "L1")
    start = _START.get(rotation_name) if type(rotation_name) is str else None
    if start is None:
        raise ScenarioError(f"{path}.phase_rotation",
                            f"expected L1, L2 or L3, got {rotation_name!r}")
    rotation = obj.get("field_rotation", "R")
    if rotation != "R" and rotation != "L":
        raise ScenarioError(f"{path}.field_rotation", f"expected R or L, got {rotation!r}")
    phases = obj.get("vehicle_phases", 3)
    if phases not in (1, 2, 3) or isinstance(phases, bool):
        raise ScenarioError(f"{path}.vehicle_phases", f"expected 1, 2 or 3, got {phases!r}")
    phases = int(phases)
    priority = obj.get("priority", 0)
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise ScenarioError(f"{path}.priority", f"expected an integer, got {priority!r}")
    charging = obj.get("charging", True)
    if charging is not True and charging is not False:
        raise ScenarioError(f"{path}.charging", f"expected true or false, got {charging!r}")
    if "max_a" not in obj:
        raise ScenarioError(f"{path}.max_a", "missing")
    station_id = obj.get("id")
    if type(station_id) is not str or not station_id:
        station_id = _text(station_id, f"{path}.id")
    model = obj.get("model")
    return Station(
        id=station_id, node=node, phase_rotation=start,
        field_rotation="R" if rotation == "R" else "L",
        max_a=_fast_number(obj["max_a"], path, "max_a"),
        min_a=_fast_number(obj.get("min_a", 6), path, "min_a"),
        priority=priority, vehicle_phases=phases, charging=charging,
        model=model if isinstance(model, str) else None)


def parse_scenario(raw: Any) -> Scenario:
    """Validate a scenario dict (parsed JSON) and build the typed model."""
    obj = _object(raw, "scenario")
    fmt = obj.get("format", FORMAT)
    if fmt != FORMAT:
        raise ScenarioError("format", f"expected {FORMAT!r}, got {fmt!r}")
    raw_nodes = obj.get("nodes")
    if not isinstance(raw_nodes, list) or not raw_nodes:
        raise ScenarioError("nodes", "expected a non-empty list")
    nodes: list[Node] = []
    for k, item in enumerate(raw_nodes):
        nobj = _object(item, f"nodes[{k}]")
        parent = nobj.get("parent")
        if parent is not None:
            parent = _text(parent, f"nodes[{k}].parent")
        if "limit_a" not in nobj:
            raise ScenarioError(f"nodes[{k}].limit_a", "missing")
        nodes.append(Node(_text(nobj.get("id"), f"nodes[{k}].id"), parent,
                          _triple(nobj["limit_a"], f"nodes[{k}].limit_a")))
    problems = check_tree([(n.id, n.parent) for n in nodes])
    if problems:
        raise ScenarioError(problems[0][0], problems[0][1])
    node_ids = {n.id for n in nodes}
    base: dict[str, Triple] = {}
    for key, value in _object(obj.get("base_load_a", {}), "base_load_a").items():
        if key not in node_ids:
            raise ScenarioError(f"base_load_a.{key}", f"unknown node {key!r}")
        base[key] = _triple(value, f"base_load_a.{key}", minimum=None)
    raw_stations = obj.get("stations", [])
    if not isinstance(raw_stations, list):
        raise ScenarioError("stations", "expected a list")
    stations = [_parse_station(s, f"stations[{k}]", node_ids) for k, s in enumerate(raw_stations)]
    seen: set[str] = set()
    for k, st in enumerate(stations):
        if st.id in seen:
            raise ScenarioError(f"stations[{k}].id", f"duplicate station id {st.id!r}")
        seen.add(st.id)
    unbalance = obj.get("unbalance_limit_a")
    description = obj.get("description")
    return Scenario(
        nodes=tuple(nodes), stations=tuple(stations), base_load_a=base,
        unbalance_limit_a=None if unbalance is None else _number(unbalance, "unbalance_limit_a"),
        description=description if isinstance(description, str) else None)


def _phase_dict(values: Triple) -> dict[str, float]:
    return {p: values[k] for k, p in enumerate(PHASES)}


def _limit_value(values: Triple) -> float | dict[str, float]:
    return values[0] if values[0] == values[1] == values[2] else _phase_dict(values)


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """The JSON-ready dict form; `parse_scenario(scenario_to_dict(s)) == s`."""
    out: dict[str, Any] = {"format": FORMAT}
    if scenario.description is not None:
        out["description"] = scenario.description
    if scenario.unbalance_limit_a is not None:
        out["unbalance_limit_a"] = scenario.unbalance_limit_a
    out["nodes"] = [{"id": n.id, **({"parent": n.parent} if n.parent else {}),
                     "limit_a": _limit_value(n.limit_a)} for n in scenario.nodes]
    if scenario.base_load_a:
        out["base_load_a"] = {k: _phase_dict(v) for k, v in scenario.base_load_a.items()}
    out["stations"] = [
        {"id": s.id, **({"model": s.model} if s.model is not None else {}), "node": s.node,
         "phase_rotation": PHASES[s.phase_rotation], "field_rotation": s.field_rotation,
         "max_a": s.max_a, "min_a": s.min_a, "priority": s.priority,
         "vehicle_phases": s.vehicle_phases, "charging": s.charging}
        for s in scenario.stations]
    return out
