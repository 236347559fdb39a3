"""Charging and financial reports as JSON, CSV (streamed) or PDF (with charts).

Thin over `chargegrid.reports`: the query parameters become a `ReportFilter` scoped to the
caller's organisation (and its subsidiaries); bad parameters are a 422 naming the field.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse

from chargegrid.api.deps import Access, DbSession, RuntimeDep, require
from chargegrid.domain.permissions import Action, Resource, scope_for
from chargegrid.errors import PermissionDeniedError
from chargegrid.reports import csv_export, pdf
from chargegrid.reports.filters import ReportFilter, ReportScope, parse_moment
from chargegrid.reports.schemas import SessionsReport, Summary
from chargegrid.reports.summary import build_summary, sessions_report
from chargegrid.services import scoping

router = APIRouter(prefix="/reports", tags=["reports"])

Format = Literal["json", "csv", "pdf"]
Moment = Annotated[str, Query(min_length=10, max_length=40, description=(
    "A date (local midnight in `timezone`) or an ISO 8601 date-time; `end` is exclusive."),
    examples=["2026-11-01"])]
Id = Annotated[int | None, Query(ge=1, le=2**31 - 1)]
ReportAccess = Annotated[Access, require(Resource.REPORT, Action.READ)]


def scope_of(access: Access) -> ReportScope:
    """The caller's visibility (organisation tree, granted sites, own sessions) as a
    report scope."""
    v = access.visibility
    if v.unrestricted:
        return ReportScope()
    return ReportScope(organisation_ids=v.org_ids, site_ids=v.site_ids,
                       own_user_id=v.own_user_id)


def _check_export(access: Access, fmt: str) -> None:
    """CSV and PDF are exports: a role needs the report resource's export right too."""
    if fmt != "json" and scope_for(access.principal.role, Resource.REPORT,
                                   Action.EXPORT) is None:
        raise PermissionDeniedError(
            f"role {access.principal.role!r} may read reports but not export them")


def _filter(db: DbSession, access: Access, start: str, end: str, timezone: str,
            organisation_id: int | None, site_id: int | None, station_id: str | None,
            group_id: int | None, cost_centre_id: int | None,
            user_id: int | None) -> ReportFilter:
    named = {"organisation_id": organisation_id, "site_id": site_id, "station_id": station_id,
             "group_id": group_id, "cost_centre_id": cost_centre_id, "user_id": user_id}
    for name, value in named.items():
        # A filter naming something the caller cannot see is "not found", like a URL would be.
        if value is not None and name in scoping.PATH_OBJECTS:
            scoping.visible_or_404(db, param=name, value=value, v=access.visibility)
    return ReportFilter.of(
        start=parse_moment(start, "start"), end=parse_moment(end, "end"), timezone=timezone,
        organisation_id=organisation_id, site_id=site_id, station_id=station_id,
        group_id=group_id, cost_centre_id=cost_centre_id, user_id=user_id,
        scope=scope_of(access))


def _filename(kind: str, f: ReportFilter, ext: str) -> dict[str, str]:
    tz = f.tz
    name = (f"chargegrid-{kind}-{f.start.astimezone(tz):%Y%m%d}-"
            f"{f.end.astimezone(tz):%Y%m%d}.{ext}")
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.get("/sessions", response_model=SessionsReport, responses={
    200: {"content": {"text/csv": {}, "application/pdf": {}}}})
def sessions(db: DbSession, runtime: RuntimeDep, access: ReportAccess, start: Moment,
             end: Moment, timezone: Annotated[str, Query(max_length=64)] = "UTC",
             organisation_id: Id = None, site_id: Id = None,
             station_id: Annotated[str | None, Query(max_length=48)] = None,
             group_id: Id = None, cost_centre_id: Id = None, user_id: Id = None,
             format: Format = "json") -> SessionsReport | Response:
    """Every session started in the period that the filters select, with energy, time
    plugged and charging, and price."""
    _check_export(access, format)
    f = _filter(db, access, start, end, timezone, organisation_id, site_id, station_id,
                group_id, cost_centre_id, user_id)
    report = sessions_report(db, f, now=runtime.clock.now())
    if format == "csv":
        return StreamingResponse(
            csv_export.session_lines(report.sessions, timezone=f.timezone),
            media_type="text/csv; charset=utf-8", headers=_filename("sessions", f, "csv"))
    if format == "pdf":
        return Response(pdf.sessions_pdf(report), media_type="application/pdf",
                        headers=_filename("sessions", f, "pdf"))
    return report


@router.get("/summary", response_model=Summary, responses={
    200: {"content": {"text/csv": {}, "application/pdf": {}}}})
def summary(db: DbSession, runtime: RuntimeDep, access: ReportAccess, start: Moment,
            end: Moment, timezone: Annotated[str, Query(max_length=64)] = "UTC",
            organisation_id: Id = None, site_id: Id = None,
            station_id: Annotated[str | None, Query(max_length=48)] = None,
            group_id: Id = None, cost_centre_id: Id = None, user_id: Id = None,
            format: Format = "json") -> Summary | Response:
    """Totals, revenue per currency, utilisation per station and energy per day; the PDF
    adds bar charts of the last two."""
    _check_export(access, format)
    f = _filter(db, access, start, end, timezone, organisation_id, site_id, station_id,
                group_id, cost_centre_id, user_id)
    result = build_summary(db, f, now=runtime.clock.now())
    if format == "csv":
        return StreamingResponse(csv_export.summary_lines(result),
                                 media_type="text/csv; charset=utf-8",
                                 headers=_filename("summary", f, "csv"))
    if format == "pdf":
        return Response(pdf.summary_pdf(result), media_type="application/pdf",
                        headers=_filename("summary", f, "pdf"))
    return result
