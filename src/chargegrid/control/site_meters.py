"""The meters of one site: pollers running the configured drivers, the latest reading of
each, and their freshness. Configuration lives in the site's topology:
`"meters": [{"node": "HV", "max_age_s": 10, "interval_s": 1, "type": "mqtt", ...}]`.

`on_change(node)` (optional) is called when a node's new reading differs from its previous
one by more than `change_threshold_a` on some phase, or is its first fresh one: the
controller wakes on it instead of waiting for its period. A push meter (MQTT) delivers each
reading as it arrives rather than at the next poll."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from chargegrid.clock import Clock
from chargegrid.meters.capabilities import MeterReading
from chargegrid.meters.default_registry import default_meter_registry
from chargegrid.meters.poller import MeterPoller
from chargegrid.meters.staleness import MeterHealth

log = logging.getLogger(__name__)
NODE_KEYS = ("node", "max_age_s", "interval_s")
CHANGE_THRESHOLD_A = 1.0

ChangeListener = Callable[[str], None]


class SiteMeters:
    def __init__(self, configs: list[dict[str, Any]], clock: Clock, *,
                 on_change: ChangeListener | None = None,
                 change_threshold_a: float = CHANGE_THRESHOLD_A) -> None:
        self._clock = clock
        self.on_change = on_change
        self.change_threshold_a = change_threshold_a
        registry = default_meter_registry(clock)
        self._pollers: list[MeterPoller] = []
        self._node_of: dict[str, str] = {}
        self._health: dict[str, MeterHealth] = {}
        self.latest: dict[str, MeterReading] = {}
        for i, config in enumerate(configs):
            node = str(config.get("node", ""))
            self._health[node] = MeterHealth(timedelta(seconds=float(config.get("max_age_s",
                                                                                10))))
            options = {k: v for k, v in config.items() if k not in NODE_KEYS}
            options.setdefault("id", f"meter-{i}")
            try:
                meter = registry.create_from_config(options)
            except Exception as err:
                # A meter we cannot even build is a meter that never reads: its node stays
                # stale (static limits), it is never taken as "no load".
                log.error("meter %s at node %s not usable: %s", options["id"], node, err)
                continue
            self._node_of[meter.source_id] = node
            set_sink = getattr(meter, "set_sink", None)
            if callable(set_sink):  # push meter: take each reading as it arrives
                set_sink(self._on_reading)
            self._pollers.append(MeterPoller(meter, self._on_reading,
                                             interval_s=float(config.get("interval_s", 1.0))))

    def _on_reading(self, reading: MeterReading) -> None:
        node = self._node_of.get(reading.source_id)
        if node is None:
            return
        previous = self.latest.get(node)
        if previous is reading:  # the poller re-publishing what the push already gave
            return
        self.latest[node] = reading
        if self.on_change is not None and self._changed(node, previous, reading):
            try:
                self.on_change(node)
            except Exception:
                log.exception("meter change listener failed for node %s", node)

    def _changed(self, node: str, previous: MeterReading | None, reading: MeterReading) -> bool:
        """A reading worth a new allocation: the first fresh one, or a move of more than
        the threshold on some phase."""
        if previous is None or not self._health[node].is_fresh(previous.timestamp,
                                                                reading.timestamp):
            return True
        return any(abs(a - b) > self.change_threshold_a
                   for a, b in zip(reading.currents_a, previous.currents_a, strict=True))

    async def start(self) -> None:
        for poller in self._pollers:
            await poller.start()

    async def stop(self) -> None:
        for poller in self._pollers:
            await poller.stop()

    def reading_span(self, now: datetime) -> tuple[datetime, datetime] | None:
        """When the oldest and the newest of the fresh readings were taken (None when none
        is fresh): the EV credit is aligned with that span."""
        times = [reading.timestamp for node, reading in self.latest.items()
                 if self._health[node].usable_currents(reading, now) is not None]
        return (min(times), max(times)) if times else None

    def measured(self, now: datetime) -> dict[str, dict[str, float] | None]:
        """Per metered node: its per-phase currents, or None when stale or silent."""
        result: dict[str, dict[str, float] | None] = {}
        for node, health in self._health.items():
            currents = health.usable_currents(self.latest.get(node), now)
            result[node] = currents.as_dict() if currents is not None else None
        return result
