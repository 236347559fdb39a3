"""The printable QR sheet of a station (one code per connector, opening its ad-hoc
charging page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import Response

from chargegrid.api.deps import Access, DbSession, RuntimeDep, require
from chargegrid.api.schemas.common import StationIdPath
from chargegrid.domain.permissions import Action, Resource
from chargegrid.web.qr_sheet import labels_for, render_sheet

router = APIRouter(prefix="/stations", tags=["stations"])


@router.get("/{station_id}/qr.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}},
                             "description": "A4 PDF, one QR code per connector."}})
def station_qr_sheet(station_id: StationIdPath, db: DbSession, runtime: RuntimeDep,
                     _: Annotated[Access, require(Resource.STATION, Action.READ)]) -> Response:
    """A4 PDF to print and stick on the station: the codes encode CHARGEGRID_PUBLIC_URL."""
    labels = labels_for(db, station_id=station_id, public_url=runtime.settings.public_url)
    return Response(render_sheet(labels), media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{station_id}-qr.pdf"'})
