"""Raises go part of the way, so that a raise never causes the lowering that follows it.

After a raise the meter sees the vehicles take it at once, but the EV credit cannot count it
until their samples show it (ev_credit.py): until then the raise reads as base load. If a
point with a gap `d` to its allocation were raised the whole way, the next reading would see
the base load `d` per point higher and the allocation would fall by `d`: every point lowered
back where it was, then raised again once re-measured. That is the swing measured in
bench/README.md: 1,000 profiles every second on a 1,000-station site, and a site that spends
half its time below capacity.

Raised by a fraction `k` of the gap, the same reading sees the base load `k·d` higher and the
allocation falls to `limit in force + (1 − k)·d`, which for `k < 0.5` is still above the
raised limit: nothing is lowered. Once re-measured the credit is right again and the point
is raised by `k` of what is left, so it approaches its allocation geometrically. It stops
when `k` of the gap is less than the step (`PlanOptions.step_a`): within `step_a / k` of its
allocation. The allocation itself is unchanged and every node stays inside its limits:
pacing only ever sends less than the allocation.

Lowerings are never paced: they are what keeps the site safe.
"""

from __future__ import annotations

from chargegrid.control.profile_plan import floor_tenth


def paced_limit(allocated: float, in_force: float, *, fraction: float, step_a: float,
                min_a: float) -> float:
    """The limit to send a point whose allocation is `allocated` and whose station applies
    `in_force` now (in tenths, as stations round). `fraction` ≥ 1 sends raises whole."""
    gap = allocated - in_force
    if gap <= 0 or fraction >= 1:
        return allocated
    # In tenths of an ampere, rounded down, as the station will apply it.
    paced = floor_tenth(in_force + fraction * gap)
    if paced - in_force < step_a - 1e-9:
        return in_force  # close enough: a step here would come back as a lowering
    # A stopped vehicle restarts at its minimum at least (the allocation gave it that much).
    return min(allocated, max(paced, min_a if allocated >= min_a else 0.0))
