"""Which event loop a server process runs on: uvloop by default, asyncio's own on request.

uvloop's libuv transports take less of the loop's time per WebSocket frame than the standard
selector loop (OCPP throughput benchmark: about 4 % more messages per second, bench/README.md);
the standard loop stays one setting away (`CHARGEGRID_EVENT_LOOP=asyncio`), and is used
when uvloop is not installed (it has no Windows build).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, Literal, TypeVar

T = TypeVar("T")
EventLoopKind = Literal["uvloop", "asyncio"]

log = logging.getLogger(__name__)


def run(main: Coroutine[Any, Any, T], *, kind: EventLoopKind = "uvloop") -> T:
    """Run `main` to completion on a new loop of the requested kind."""
    if kind == "uvloop":
        try:
            import uvloop
        except ImportError:
            log.warning("uvloop is not installed: running on asyncio's event loop")
        else:
            result: T = uvloop.run(main)
            return result
    return asyncio.run(main)
