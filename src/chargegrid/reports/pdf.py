"""PDF renderings with reportlab: a summary with two bar charts (energy per day,
utilisation per station) and tables, and a session listing.

Charts stay readable: at most `MAX_CHART_STATIONS` stations (the most used) are drawn; the
table below lists them all.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from chargegrid.reports.schemas import ReportPeriod, SessionsReport, Summary

MAX_CHART_STATIONS = 30
_STYLES = getSampleStyleSheet()
_TABLE_STYLE = TableStyle([
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1f4e79")),
    ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
    ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
    ("FONTSIZE", (0, 0), (-1, -1), 8),
    ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#eef3f8")]),
    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
    ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
])


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> Table:
    data = [list(header), *[["" if v is None else str(v) for v in row] for row in rows]]
    table = Table(data, repeatRows=1, hAlign="LEFT")
    table.setStyle(_TABLE_STYLE)
    return table


def _header(title: str, period: ReportPeriod, filters: dict[str, int | str]) -> list[Flowable]:
    tz = ZoneInfo(period.timezone)
    start = period.start.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    end = period.end.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    criteria = ", ".join(f"{k} = {v}" for k, v in filters.items()) or "none"
    return [Paragraph(title, _STYLES["Title"]),
            Paragraph(f"Period {start} to {end} ({period.timezone}, end exclusive); "
                      f"filters: {criteria}. Sessions are counted in the period they "
                      "started in.", _STYLES["Normal"]),
            Spacer(1, 4 * mm)]


def _bar_chart(title: str, labels: list[str], values: list[float], *, value_label: str,
               width: float = 170 * mm, height: float = 70 * mm) -> Drawing:
    drawing = Drawing(width, height + 12 * mm)
    drawing.add(String(0, height + 6 * mm, title, fontName="Helvetica-Bold", fontSize=10))
    chart = VerticalBarChart()
    chart.x, chart.y = 12 * mm, 14 * mm
    chart.width, chart.height = width - 16 * mm, height - 16 * mm
    chart.data = [values or [0.0]]
    chart.categoryAxis.categoryNames = labels or [""]
    chart.categoryAxis.labels.angle = 60 if len(labels) > 8 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(labels) > 8 else "n"
    chart.categoryAxis.labels.fontSize = 6 if len(labels) > 15 else 7
    chart.valueAxis.valueMin = 0
    top = max(values, default=0.0)
    chart.valueAxis.valueMax = top * 1.1 if top > 0 else 1
    chart.valueAxis.labels.fontSize = 7
    chart.bars[0].fillColor = colors.HexColor("#2e75b6")
    drawing.add(chart)
    drawing.add(String(0, 2, value_label, fontSize=7))
    return drawing


def _money(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")), "f")


def summary_pdf(summary: Summary) -> bytes:
    """The summary as a PDF: totals, revenue, the two charts, the station table."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title="ChargeGrid charging report",
                            leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm)
    t = summary.totals
    story = _header("Charging and financial report", summary.period, summary.filters)
    story.append(_table(
        ["Sessions", "Energy (kWh)", "Plugged (h)", "Charging (h)", "Utilisation (%)",
         "Unpriced sessions"],
        [[t.sessions, t.energy_kwh, t.plugged_hours, t.charging_hours, t.utilisation_pct,
          t.unpriced_sessions]]))
    story.append(Spacer(1, 4 * mm))
    if summary.revenue:
        story.append(_table(["Currency", "Sessions", "Net", "VAT", "Total"],
                            [[r.currency, r.sessions, _money(r.net), _money(r.vat),
                              _money(r.total)] for r in summary.revenue]))
    else:
        story.append(Paragraph("No priced sessions in this period.", _STYLES["Normal"]))
    story.append(Spacer(1, 6 * mm))
    days = summary.energy_per_day
    story.append(_bar_chart("Energy per day (kWh)", [d.day.strftime("%m-%d") for d in days],
                            [float(d.energy_kwh) for d in days],
                            value_label="by the local day each session started"))
    busiest = sorted(summary.stations, key=lambda s: s.utilisation_pct,
                     reverse=True)[:MAX_CHART_STATIONS]
    story.append(Spacer(1, 4 * mm))
    story.append(_bar_chart(
        "Utilisation per station (%)", [s.station_id[:14] for s in busiest],
        [float(s.utilisation_pct) for s in busiest],
        value_label=(f"the {len(busiest)} most used of {len(summary.stations)} stations; "
                     "time with a vehicle plugged / (EVSEs x elapsed period)")))
    story.append(Spacer(1, 6 * mm))
    story.append(_table(
        ["Station", "Site", "EVSEs", "Sessions", "kWh", "Plugged (h)", "Occupied (h)",
         "Utilisation (%)", "Charging (%)"],
        [[s.station_id, s.site_id, s.evses, s.sessions, s.energy_kwh, s.plugged_hours,
          s.occupied_hours, s.utilisation_pct, s.charging_pct] for s in summary.stations]))
    doc.build(story)
    return buffer.getvalue()


def sessions_pdf(report: SessionsReport) -> bytes:
    """The session listing as a landscape table (local times)."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), title="ChargeGrid sessions",
                            leftMargin=10 * mm, rightMargin=10 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm)
    tz = ZoneInfo(report.period.timezone)
    story = _header("Charging sessions", report.period, report.filters)

    def local(moment: datetime | None) -> str:
        return "" if moment is None else moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")

    story.append(_table(
        ["Tx", "Station", "EVSE", "Id tag", "User", "Start", "Stop", "kWh", "Plugged (h)",
         "Charging (h)", "Cur.", "Total"],
        [[r.transaction_id, r.station_id, r.evse_id, r.id_tag, r.user_id, local(r.started_at),
          local(r.stopped_at), r.energy_kwh, r.plugged_hours, r.charging_hours, r.currency,
          _money(r.revenue_total) if r.revenue_total is not None else ""]
         for r in report.sessions]))
    doc.build(story)
    return buffer.getvalue()
