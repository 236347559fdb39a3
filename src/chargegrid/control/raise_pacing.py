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
raised limit: nothing is lowered. The gap is measured from the current the credit counts,
so cycles that run before the raise is re-measured hold it instead of raising again. Once
re-measured the credit is right again and the point is raised by `k` of what is left: it
approaches its allocation geometrically, a round per re-measure, and stops when `k` of the
gap is less than the paced step (`PlanOptions.paced_step_a`): within `paced_step_a / k` of
its allocation. The allocation itself is unchanged and every node stays inside its limits:
pacing only ever sends less than the allocation.

Lowerings are never paced: they are what keeps the site safe.
"""

from __future__ import annotations

from chargegrid.control.profile_plan import floor_tenth


def paced_limit(allocated: float, in_force: float, credited: float, *, fraction: float,
                step_a: float, min_a: float) -> float:
    """The limit to send a point whose allocation is `allocated`, whose station applies
    `in_force` now, and whose draw the EV credit counted as `credited` (what it drew, or
    less while a raise is not yet re-measured). In tenths, as stations round; `fraction`
    ≥ 1 sends raises whole.

    Paced from `credited`, not from `in_force`: whatever the point draws above its credit
    reads as base load, and a cycle that runs before the meter has seen the last raise
    (no base-load rise yet) would otherwise raise again on top of it, past half its gap."""
    if allocated <= in_force or fraction >= 1:
        return allocated
    start = min(credited, in_force)
    paced = floor_tenth(start + fraction * (allocated - start))
    if paced - in_force < step_a - 1e-9:
        return in_force  # close enough, or the last raise is not counted yet: hold
    # A stopped vehicle restarts at its minimum at least (the allocation gave it that much).
    return min(allocated, max(paced, min_a if allocated >= min_a else 0.0))
