"""Bulk import over HTTP: `POST /imports/{kind}` with a CSV or XLSX file, as a multipart
upload (field `file`) or as the raw body (`text/csv`, or the XLSX media type).

The import runs in the caller's organisation, in the request's transaction: 200 with the
report when it is stored, 422 listing every bad row when nothing was.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.datastructures import UploadFile

from chargegrid.api.deps import AdminPrincipal, DbSession, RuntimeDep
from chargegrid.api.errors import error_response
from chargegrid.errors import InvalidInputError, NotFoundError
from chargegrid.imports import KINDS, ImportRejectedError, ImportReport, run_import
from chargegrid.services.local_lists import LocalListSync

router = APIRouter(prefix="/imports", tags=["imports"])


class RowErrorRead(BaseModel):
    line: int
    field: str
    reason: str


class ImportReportRead(BaseModel):
    """What the import did; `errors` is empty on success."""

    kind: str
    organisation_id: int
    rows: int
    created: int
    updated: int
    unchanged: int
    dry_run: bool
    errors: list[RowErrorRead]


async def _file(request: Request) -> tuple[bytes, str | None]:
    """The uploaded file, from a multipart form (field `file`) or the raw body."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInputError("file: send the file in the multipart field 'file'")
        return await upload.read(), upload.filename
    body = await request.body()
    if not body:
        raise InvalidInputError("file: the request body is empty (send a CSV or XLSX file)")
    return body, None


async def on_import_rejected(request: Request, exc: Exception) -> JSONResponse:
    """422 in the usual error shape, plus every bad row (`details`, one per bad cell) and
    the report. Raised, not returned, so the request's transaction and its audit entry
    record a failure."""
    assert isinstance(exc, ImportRejectedError)
    body = exc.report.as_dict()
    return error_response(
        422, exc.code, exc.message, report=body,
        details=[{"line": e["line"], "field": e["field"], "message": e["reason"]}
                 for e in body["errors"]])


@router.post("/{kind}", response_model=ImportReportRead,
             responses={422: {"description": "Bad rows: every one listed, nothing imported"}})
async def import_file(
    kind: Annotated[str, Path(description=f"One of {', '.join(KINDS)}")],
    principal: AdminPrincipal, request: Request, db: DbSession, runtime: RuntimeDep,
    background: BackgroundTasks,
    dry_run: Annotated[bool, Query(description="Validate and count; write nothing")] = False,
) -> Any:
    """Import users, vehicles, tokens or stations into the caller's organisation."""
    if kind not in KINDS:
        raise NotFoundError(f"kind: {kind!r} is not one of {', '.join(KINDS)}")
    data, filename = await _file(request)
    organisation_id = principal.organisation_id

    def work() -> ImportReport:
        return run_import(db, kind=kind, data=data, filename=filename,
                          organisation_id=organisation_id, now=runtime.clock.now(),
                          dry_run=dry_run)

    report = await run_in_threadpool(work)  # ImportRejectedError: see on_import_rejected
    sync: LocalListSync | None = getattr(request.app.state, "local_lists", None)
    if kind == "tokens" and sync is not None and not dry_run:
        background.add_task(sync.push_pending)  # after the commit: blocked cards leave lists
    return JSONResponse(report.as_dict())
