"""Session selection and aggregation against the hand-computed dataset (dataset.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chargegrid.errors import InvalidInputError
from chargegrid.reports.filters import ReportFilter, ReportScope
from chargegrid.reports.sessions import session_rows
from chargegrid.reports.summary import build_summary
from chargegrid.runtime import Runtime
from tests.reports.dataset import END, NOW, START, TZ, Dataset

ORG1 = ReportScope(organisation_ids=frozenset({1}))


def report(**kwargs: object) -> ReportFilter:
    return ReportFilter.of(start=START, end=END, timezone=TZ,
                           **{"scope": ORG1, **kwargs})  # type: ignore[arg-type]


def ids(runtime: Runtime, f: ReportFilter) -> list[int]:
    with runtime.sessions() as s:
        return [r.transaction_id for r in session_rows(s, f, now=NOW)]


def test_sessions_by_start_time_within_scope(runtime: Runtime, data: Dataset) -> None:
    with runtime.sessions() as s:
        rows = session_rows(s, report(), now=NOW)
    # tx3 started before the period (though it ended inside), tx4 is another organisation's.
    assert [r.transaction_id for r in rows] == [data.tx1, data.tx2, data.tx5]
    tx1, tx2, tx5 = rows
    assert (tx1.energy_kwh, tx1.plugged_hours, tx1.charging_hours) == (
        Decimal("10.000"), Decimal("2.00"), Decimal("1.00"))
    assert (tx1.user_id, tx1.currency, tx1.revenue_total) == (data.user1, "EUR", Decimal("3.0000"))
    assert (tx2.user_id, tx2.currency, tx2.revenue_vat) == (data.user2, "CHF", Decimal("0.0800"))
    # Active: energy from the meter values so far, plugged until now, not priced.
    assert (tx5.state, tx5.energy_kwh, tx5.plugged_hours, tx5.currency) == (
        "active", Decimal("1.500"), Decimal("266.00"), None)


@pytest.mark.parametrize(("criteria", "expected"), [
    ({"station_id": "CP2"}, ["tx2", "tx5"]),
    ({"site_id": "site_a"}, ["tx1", "tx2", "tx5"]),
    ({"user_id": "user2"}, ["tx2"]),
    ({"group_id": "group1"}, ["tx1"]),
    ({"cost_centre_id": "cost_centre1"}, ["tx1"]),
    ({"organisation_id": 1}, ["tx1", "tx2", "tx5"]),
    ({"station_id": "CPX"}, []),  # exists, but not visible to organisation 1
])
def test_filters_select_sessions(runtime: Runtime, data: Dataset,
                                 criteria: dict[str, object], expected: list[str]) -> None:
    resolved = {k: getattr(data, v) if isinstance(v, str) and k != "station_id" else v
                for k, v in criteria.items()}
    assert ids(runtime, report(**resolved)) == [getattr(data, name) for name in expected]


def test_unscoped_caller_sees_every_organisation(runtime: Runtime, data: Dataset) -> None:
    f = ReportFilter.of(start=START, end=END, timezone=TZ, organisation_id=data.other_org)
    assert ids(runtime, f) == [data.tx4]


def test_another_organisation_is_refused(runtime: Runtime, data: Dataset) -> None:
    with pytest.raises(InvalidInputError, match="organisation_id"):
        report(organisation_id=data.other_org)


def test_summary_totals_revenue_days_and_utilisation(runtime: Runtime, data: Dataset) -> None:
    with runtime.sessions() as s:
        summary = build_summary(s, report(), now=NOW)
    t = summary.totals
    assert (t.sessions, t.energy_kwh, t.unpriced_sessions) == (3, Decimal("16.500"), 1)
    assert (t.plugged_hours, t.charging_hours) == (Decimal("272.00"), Decimal("1.00"))
    assert [(r.currency, r.sessions, r.net, r.vat, r.total) for r in summary.revenue] == [
        ("CHF", 1, Decimal("1.0000"), Decimal("0.0800"), Decimal("1.0800")),
        ("EUR", 1, Decimal("2.5000"), Decimal("0.5000"), Decimal("3.0000"))]
    days = {d.day.isoformat(): (d.sessions, d.energy_kwh) for d in summary.energy_per_day}
    assert list(days) == [f"2026-11-0{d}" for d in range(2, 9)]
    # tx2 started 23:30 UTC on the 3rd, which is 00:30 on the 4th in Paris.
    assert days["2026-11-02"] == (1, Decimal("10.000"))
    assert days["2026-11-03"] == (0, Decimal("0"))
    assert days["2026-11-04"] == (1, Decimal("5.000"))
    assert days["2026-11-08"] == (1, Decimal("1.500"))
    cp1, cp2 = summary.stations  # CPX belongs to another organisation
    # CP1: EVSE 1 plugged 07:00-09:00, EVSE 2 charging from before the period to 01:00
    # (2 h inside it): 4 h of 2 EVSEs x 168 h.
    assert (cp1.station_id, cp1.evses, cp1.sessions) == ("CP1", 2, 1)
    assert (cp1.occupied_hours, cp1.utilisation_pct, cp1.charging_pct) == (
        Decimal("4.00"), Decimal("1.2"), Decimal("0.9"))
    assert (cp2.station_id, cp2.sessions, cp2.energy_kwh, cp2.utilisation_pct) == (
        "CP2", 2, Decimal("6.500"), Decimal("0.0"))
    assert t.utilisation_pct == Decimal("0.6")  # 4 h of 4 EVSEs x 168 h


def test_person_filters_keep_only_the_stations_they_used(runtime: Runtime,
                                                         data: Dataset) -> None:
    with runtime.sessions() as s:
        summary = build_summary(s, report(group_id=data.group1), now=NOW)
    assert [line.station_id for line in summary.stations] == ["CP1"]
    assert summary.filters == {"group_id": data.group1}
    assert [r.currency for r in summary.revenue] == ["EUR"]


def test_utilisation_only_counts_the_elapsed_part_of_the_period(runtime: Runtime,
                                                                data: Dataset) -> None:
    # Asked on 2026-11-02 12:00 UTC: 13 h of the period have elapsed.
    from datetime import UTC, datetime
    with runtime.sessions() as s:
        summary = build_summary(s, report(station_id="CP1"),
                                now=datetime(2026, 11, 2, 12, tzinfo=UTC))
    [cp1] = summary.stations
    assert cp1.utilisation_pct == Decimal("15.4")  # 4 h / (2 EVSEs x 13 h)
