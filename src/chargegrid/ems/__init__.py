"""The pure EMS engine: scenario in, per-station current limits out (no I/O, no clock)."""

from __future__ import annotations

from chargegrid.ems.allocate import Allocation, allocate, allocate_scenario, allocation_to_dict
from chargegrid.ems.scenario import Scenario, ScenarioError, parse_scenario, scenario_to_dict

__all__ = ["Allocation", "Scenario", "ScenarioError", "allocate", "allocate_scenario",
           "allocation_to_dict", "parse_scenario", "scenario_to_dict"]
