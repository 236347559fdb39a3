"""Bulk import of users, vehicles, id tokens and stations from CSV or XLSX files.

Every row is validated before anything is written, and every bad row is reported (line,
field, reason); a file is imported whole, in one transaction, or not at all. Re-importing
the same file changes nothing: rows equal to what is stored are skipped, changed rows
update only the columns the file has. See docs/imports.md.
"""

from chargegrid.imports.report import ImportRejectedError, ImportReport, RowError
from chargegrid.imports.service import KINDS, run_import

__all__ = ["KINDS", "ImportRejectedError", "ImportReport", "RowError", "run_import"]
