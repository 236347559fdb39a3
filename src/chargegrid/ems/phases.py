"""Phase rotation: which grid phases a station's (and its vehicle's) phases land on.

Installers wire stations with a rotated start phase so that single-phase vehicles do not all
load grid L1; the EMS must know the mapping to be phase-exact. Phases are indices 0, 1, 2
(grid L1, L2, L3) inside the engine and names only at the edges.
"""

from __future__ import annotations

from functools import cache
from typing import Final, Literal

PHASES: Final = ("L1", "L2", "L3")
FieldRotation = Literal["R", "L"]


def phase_index(name: str) -> int:
    """Index 0..2 of a phase name `L1`..`L3`; ValueError otherwise."""
    try:
        return PHASES.index(name)
    except ValueError:
        raise ValueError(f"{name!r} is not one of L1, L2, L3") from None


def grid_phase(start: int, field_rotation: FieldRotation, station_phase: int) -> int:
    """Grid phase (0..2) carrying the station's phase `station_phase` (0..2).

    The spec's formula: ((s-1) + (k-1)) mod 3 + 1 for R, ((s-1) - (k-1)) mod 3 + 1 for L,
    here with zero-based s and k.
    """
    if field_rotation == "R":
        return (start + station_phase) % 3
    return (start - station_phase) % 3


@cache
def vehicle_grid_phases(start: int, field_rotation: FieldRotation,
                        vehicle_phases: int) -> tuple[int, ...]:
    """Grid phases a vehicle drawing on its first `vehicle_phases` phases loads, sorted.

    A 1-phase vehicle draws on the station's L1 only, a 2-phase one on L1 and L2.
    """
    return tuple(sorted(grid_phase(start, field_rotation, k) for k in range(vehicle_phases)))
