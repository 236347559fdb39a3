"""What an import did, or why it did nothing: the report shown by the CLI and the API."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from chargegrid.errors import InvalidInputError

MAX_ERRORS_IN_MESSAGE = 5


@dataclass(frozen=True, slots=True, order=True)
class RowError:
    """One problem: the file's line number (the header is line 1), the column, and why."""

    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.reason}"


@dataclass(slots=True)
class ImportReport:
    """Counts per outcome; `errors` non-empty means nothing was written."""

    kind: str
    organisation_id: int
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["errors"] = [asdict(e) for e in sorted(self.errors)]
        return data


class ImportRejectedError(InvalidInputError):
    """The file has bad rows; nothing was imported. `report.errors` lists every one."""

    def __init__(self, report: ImportReport) -> None:
        shown = "; ".join(str(e) for e in sorted(report.errors)[:MAX_ERRORS_IN_MESSAGE])
        more = len(report.errors) - MAX_ERRORS_IN_MESSAGE
        suffix = f" (and {more} more)" if more > 0 else ""
        super().__init__(f"{len(report.errors)} bad row(s), nothing imported: {shown}{suffix}")
        self.report = report
