"""Asyncio waits that a shutdown can always interrupt.

On Python 3.11, `asyncio.wait_for(event.wait(), timeout)` loses a cancellation that arrives
as the event is set (CPython gh-86296, fixed in 3.12 by rebuilding `wait_for` on
`asyncio.timeout`): the waiting loop carries on, the task stays "cancelling" forever, and
whoever awaits it at shutdown hangs. Every long-running loop here (the EMS controllers,
the webhook worker, scheduled exports) waits through this instead.
"""

from __future__ import annotations

import asyncio


async def wait_event(event: asyncio.Event, timeout_s: float) -> bool:
    """Wait until `event` is set (True) or `timeout_s` passes (False); a cancellation is
    never swallowed."""
    try:
        async with asyncio.timeout(timeout_s):
            await event.wait()
    except TimeoutError:
        return False
    return True
