"""Run one import: read, validate every row, resolve references, compare, write.

The caller owns the transaction: it commits when `run_import` returns and rolls back when
it raises, so a file is imported whole or not at all.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from chargegrid.errors import InvalidInputError, NotFoundError
from chargegrid.imports import engine
from chargegrid.imports.engine import Progress
from chargegrid.imports.kind import Kind
from chargegrid.imports.kinds import STATIONS, TOKENS, USERS, VEHICLES
from chargegrid.imports.reader import read_table
from chargegrid.imports.report import ImportRejectedError, ImportReport
from chargegrid.store.models import Organisation

KINDS: dict[str, Kind] = {k.name: k for k in (USERS, VEHICLES, TOKENS, STATIONS)}


def kind_or_raise(name: str) -> Kind:
    """The kind called `name`; InvalidInputError naming the valid ones otherwise."""
    try:
        return KINDS[name]
    except KeyError:
        raise InvalidInputError(f"kind: {name!r} is not one of {', '.join(KINDS)}") from None


def run_import(session: Session, *, kind: str, data: bytes, organisation_id: int,
               now: datetime, filename: str | None = None, dry_run: bool = False,
               progress: Progress = engine._quiet) -> ImportReport:
    """Import one file into the organisation; raises ImportRejectedError (with every bad
    row in its report) before writing anything when a row is bad."""
    spec = kind_or_raise(kind)
    if session.get(Organisation, organisation_id) is None:
        raise NotFoundError(f"organisation {organisation_id} does not exist")
    table = read_table(data, filename=filename)
    progress("read", len(table.rows), len(table.rows))
    report = ImportReport(kind=spec.name, organisation_id=organisation_id,
                          rows=len(table.rows), dry_run=dry_run)
    records, errors = engine.validate(spec, table, progress)
    report.errors.extend(errors)
    # References and ownership are checked even when some rows failed to parse, so one
    # pass reports every bad row; nothing is written when there is any.
    engine.apply(session, spec, records, organisation_id=organisation_id, now=now,
                 report=report, progress=progress, write=not report.errors)
    if report.errors:
        report.created = report.updated = report.unchanged = 0
        raise ImportRejectedError(report)
    return report
