"""Values for `IN (...)` queries, in lists short enough for every backend's limit on bound
parameters (SQLite's is the lowest)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

IN_LIST_SIZE = 500


def in_lists(items: Sequence[T], size: int = IN_LIST_SIZE) -> list[list[T]]:
    """`items` cut into lists of at most `size`."""
    return [list(items[i:i + size]) for i in range(0, len(items), size)]
