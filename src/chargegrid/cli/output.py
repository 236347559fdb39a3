"""How the CLI reports: one-line errors with an exit code, never a traceback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn, TypeVar

import typer
from rich.console import Console

from chargegrid.errors import ChargeGridError, ConflictError, InvalidInputError, NotFoundError

T = TypeVar("T")
err_console = Console(stderr=True)

EXIT_CODES: dict[type[ChargeGridError], int] = {
    InvalidInputError: 2, NotFoundError: 3, ConflictError: 4,
}


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn domain errors into a one-line message and a stable exit code."""
    try:
        yield
    except ChargeGridError as err:
        fail(err.message, EXIT_CODES.get(type(err), 1))


def run_reported(action: Callable[[], T]) -> T:
    with reported_errors():
        return action()
    raise AssertionError("unreachable")  # pragma: no cover
