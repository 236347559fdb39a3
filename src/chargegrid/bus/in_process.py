"""The default bus: synchronous fan-out to subscribers in this process."""

from __future__ import annotations

import logging
from collections.abc import Callable

from chargegrid.bus.events import Event

log = logging.getLogger(__name__)
Subscriber = Callable[[Event], None]


class InProcessBus:
    """Subscribers must be quick and must not raise; a failing one is logged, not fatal."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def publish(self, event: Event) -> None:
        for subscriber in self._subscribers:
            try:
                subscriber(event)
            except Exception:
                log.exception("bus subscriber failed on %s", type(event).__name__)
