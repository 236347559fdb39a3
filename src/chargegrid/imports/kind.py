"""What describes one kind of import (users, vehicles, ...): its table, key, columns and the
references a row may make to other tables. The engine (`engine.py`) does the rest."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from chargegrid.imports.fields import Parser
from chargegrid.imports.report import RowError


@dataclass(slots=True)
class Record:
    """One valid row: the file line, its key, and model attribute → value."""

    line: int
    key: str
    values: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Column:
    """A column of the file. `attr` is the model attribute it sets, or, for a reference
    (a user's e-mail, a site's name), the name its `Kind.resolve` step replaces."""

    name: str
    parse: Parser
    attr: str
    required: bool = False


Resolver = Callable[[Session, list[Record], int], list[RowError]]
AfterWrite = Callable[[Session, Collection[str], datetime], None]


@dataclass(frozen=True, slots=True)
class Kind:
    """One importable kind.

    `global_key`: the key is unique across organisations (an e-mail, a card's UID, a
    station id), so a row whose key belongs to another organisation is refused; otherwise
    (licence plates) the key is unique within the organisation only.
    """

    name: str
    model: type[Any]
    key: str
    columns: tuple[Column, ...]
    global_key: bool = True
    defaults: dict[str, Any] = field(default_factory=dict)
    stamps: tuple[str, ...] = ("created_at",)
    updated_stamp: str | None = None
    key_lowercase: bool = False
    # Columns whose empty cell means "keep what is stored" (the default for a new row),
    # because the field cannot be empty: a role, a status. Other empty cells clear.
    keep_when_empty: frozenset[str] = frozenset()
    # Fills what a new row needs beyond `defaults` (a vehicle's label from its plate).
    complete: Callable[[dict[str, Any]], None] | None = None
    resolve: Resolver | None = None
    after_write: AfterWrite | None = None

    def column(self, name: str) -> Column | None:
        for column in self.columns:
            if column.name == name:
                return column
        return None
