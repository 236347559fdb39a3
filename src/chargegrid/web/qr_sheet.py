"""The printable QR sheet of a station: A4, one QR code per connector, each encoding the
connector's public ad-hoc charging page. Used by the API (`/stations/{id}/qr.pdf`) and the
CLI (`chargegrid station qr`)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from urllib.parse import quote

from reportlab.graphics.barcode.qr import QrCode
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy.orm import Session

from chargegrid.errors import ConflictError
from chargegrid.services import stations

COLUMNS, ROWS = 2, 3  # six labels per A4 page, each big enough to scan from a metre
QR_SIZE = 62 * mm


@dataclass(frozen=True, slots=True)
class QrLabel:
    station_id: str
    connector_id: int
    url: str


def connector_url(public_url: str, station_id: str, connector_id: int) -> str:
    """The page a connector's QR code opens."""
    return f"{public_url.rstrip('/')}/c/{quote(station_id, safe='')}/{connector_id}"


def labels_for(session: Session, *, station_id: str, public_url: str) -> list[QrLabel]:
    """One label per connector the station has reported (NotFoundError if unknown)."""
    stations.get_or_raise(session, station_id=station_id)
    evses = sorted({c.evse_id for c in stations.connectors_of(session, station_id=station_id)
                    if c.evse_id > 0})
    if not evses:
        raise ConflictError(f"station {station_id!r} has reported no connectors yet: "
                            "connect it once, then print its QR sheet")
    return [QrLabel(station_id, n, connector_url(public_url, station_id, n)) for n in evses]


def render_sheet(labels: list[QrLabel]) -> bytes:
    """The labels laid out on A4 pages, as PDF bytes."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    title = labels[0].station_id if labels else "ChargeGrid"
    canvas.setTitle(f"QR codes for {title}")
    canvas.setAuthor("ChargeGrid")
    width, height = A4
    cell_w, cell_h = width / COLUMNS, (height - 20 * mm) / ROWS
    per_page = COLUMNS * ROWS
    for i, label in enumerate(labels):
        if i and i % per_page == 0:
            canvas.showPage()
        slot = i % per_page
        x = (slot % COLUMNS) * cell_w
        y = height - 10 * mm - (slot // COLUMNS + 1) * cell_h
        _draw_label(canvas, label, x, y, cell_w, cell_h)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw_label(canvas: Canvas, label: QrLabel, x: float, y: float, w: float,
                h: float) -> None:
    # The flowable paints the modules straight onto the canvas: ~4x faster than the
    # QrCodeWidget drawing (which builds and validates a shape per dark run, twice).
    code = QrCode(label.url, width=QR_SIZE, height=QR_SIZE, qrLevel="M")
    centre = x + w / 2
    code.drawOn(canvas, centre - QR_SIZE / 2, y + 24 * mm)
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawCentredString(centre, y + 16 * mm,
                             f"{label.station_id} · connector {label.connector_id}")
    canvas.setFont("Helvetica", 10)
    canvas.drawCentredString(centre, y + 10 * mm, "Scan to pay and charge")
    canvas.setFont("Helvetica", 7)
    canvas.drawCentredString(centre, y + 5 * mm, label.url)
    canvas.setDash(2, 3)
    canvas.rect(x + 4 * mm, y + 2 * mm, w - 8 * mm, h - 4 * mm)
    canvas.setDash()
