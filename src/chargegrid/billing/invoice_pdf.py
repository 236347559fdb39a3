"""Render an invoice or credit note as PDF (reportlab), from plain values.

The document is rebuilt from the immutable stored rows each time it is asked for, with a
fixed creation date (the issue time) and reportlab's invariant mode, so the same invoice
always gives the same bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

TITLES = {"invoice": "Invoice", "credit_note": "Credit note"}


@dataclass(frozen=True, slots=True)
class SessionRow:
    transaction_id: int
    station_id: str
    started_at: datetime
    stopped_at: datetime
    energy_kwh: Decimal
    cost_centre: str | None
    net: Decimal
    vat: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class Document:
    """Everything printed on the PDF."""

    kind: str
    number: str
    issued_at: datetime
    period: str
    seller: str
    bill_to: dict[str, str | None]
    currency: str
    sessions: tuple[SessionRow, ...]
    net: Decimal
    vat: Decimal
    total: Decimal
    reference: str | None = None  # the credited invoice, for a credit note
    reason: str | None = None


def _amount(value: Decimal, currency: str) -> str:
    return f"{value.quantize(Decimal('0.01'))} {currency}"


def render(doc: Document) -> bytes:
    """The PDF bytes of one document."""
    buffer = io.BytesIO()
    styles = getSampleStyleSheet()
    pdf = SimpleDocTemplate(buffer, pagesize=A4, title=f"{TITLES[doc.kind]} {doc.number}",
                            author=doc.seller, leftMargin=15 * mm, rightMargin=15 * mm,
                            invariant=1)
    story: list[object] = [
        Paragraph(f"{TITLES[doc.kind]} {doc.number}", styles["Title"]),
        Paragraph(f"Issued {doc.issued_at.strftime('%Y-%m-%d %H:%M UTC')} — period "
                  f"{doc.period} — {escape(doc.seller)}", styles["Normal"]),
    ]
    if doc.reference:
        story.append(Paragraph(f"Corrects invoice {escape(doc.reference)}: "
                               f"{escape(doc.reason or '')}",
                               styles["Normal"]))
    bill_to = "<br/>".join(escape(str(v)) for v in (doc.bill_to.get("name"),
                                            doc.bill_to.get("address"),
                                            doc.bill_to.get("email")) if v)
    story += [Spacer(1, 4 * mm), Paragraph(f"<b>Bill to</b><br/>{bill_to or '—'}",
                                           styles["Normal"]), Spacer(1, 6 * mm)]
    rows: list[list[str]] = [["Session", "Station", "Start (UTC)", "End (UTC)", "kWh",
                              "Cost centre", "Net", "VAT", "Total"]]
    for s in doc.sessions:
        rows.append([str(s.transaction_id), s.station_id,
                     s.started_at.strftime("%Y-%m-%d %H:%M"),
                     s.stopped_at.strftime("%Y-%m-%d %H:%M"),
                     str(s.energy_kwh.quantize(Decimal("0.001"))), s.cost_centre or "",
                     str(s.net.quantize(Decimal("0.01"))),
                     str(s.vat.quantize(Decimal("0.01"))),
                     str(s.total.quantize(Decimal("0.01")))])
    table = Table(rows, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTSIZE", (0, 0), (-1, -1), 7),
        ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
        ("ALIGN", (4, 1), (-1, -1), "RIGHT"),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
    ]))
    story += [table, Spacer(1, 6 * mm)]
    totals = Table([["Net", _amount(doc.net, doc.currency)],
                    ["VAT", _amount(doc.vat, doc.currency)],
                    ["Total", _amount(doc.total, doc.currency)]], hAlign="RIGHT")
    totals.setStyle(TableStyle([("FONTNAME", (0, 2), (-1, 2), "Helvetica-Bold"),
                                ("ALIGN", (1, 0), (1, -1), "RIGHT")]))
    story.append(totals)
    pdf.build(story)  # type: ignore[arg-type]
    return buffer.getvalue()
