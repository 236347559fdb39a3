"""Per-node, per-phase load history in one-minute buckets (mean and max), for monitoring
and the API. Samples are the load each allocation plans (base + EV) per node and phase;
a bucket is written once, when the next one starts, so the database sees one row per node
per minute whatever the control period."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from chargegrid.ems.phases import PHASES
from chargegrid.store.models import NodeLoadSample


@dataclass(slots=True)
class _Bucket:
    start: datetime
    sums: dict[str, list[float]] = field(default_factory=dict)
    maxima: dict[str, list[float]] = field(default_factory=dict)
    count: int = 0


class LoadHistory:
    def __init__(self, site_id: int) -> None:
        self.site_id = site_id
        self._bucket: _Bucket | None = None

    def add(self, at: datetime, nodes: dict[str, dict[str, float]]) -> list[NodeLoadSample]:
        """Record one allocation's node loads; returns the rows of a finished bucket."""
        start = at.replace(second=0, microsecond=0)
        finished: list[NodeLoadSample] = []
        if self._bucket is not None and self._bucket.start != start:
            finished = self._rows(self._bucket)
            self._bucket = None
        bucket = self._bucket = self._bucket or _Bucket(start)
        bucket.count += 1
        for node, load in nodes.items():
            values = [float(load.get(p, 0.0)) for p in PHASES]
            sums = bucket.sums.setdefault(node, [0.0, 0.0, 0.0])
            peaks = bucket.maxima.setdefault(node, [0.0, 0.0, 0.0])
            for i, v in enumerate(values):
                sums[i] += v
                peaks[i] = max(peaks[i], v)
        return finished

    def _rows(self, bucket: _Bucket) -> list[NodeLoadSample]:
        n = max(bucket.count, 1)
        return [NodeLoadSample(
            site_id=self.site_id, node_id=node, bucket=bucket.start,
            l1_mean=s[0] / n, l2_mean=s[1] / n, l3_mean=s[2] / n,
            l1_max=bucket.maxima[node][0], l2_max=bucket.maxima[node][1],
            l3_max=bucket.maxima[node][2], samples=bucket.count,
        ) for node, s in bucket.sums.items()]


def series(session: Session, *, site_id: int, node_id: str | None, since: datetime,
           until: datetime, limit: int = 1440) -> list[NodeLoadSample]:
    """Stored buckets of a site (optionally one node), oldest first."""
    query = select(NodeLoadSample).where(NodeLoadSample.site_id == site_id,
                                         NodeLoadSample.bucket >= since,
                                         NodeLoadSample.bucket < until)
    if node_id is not None:
        query = query.where(NodeLoadSample.node_id == node_id)
    return list(session.scalars(query.order_by(NodeLoadSample.bucket,
                                               NodeLoadSample.node_id).limit(limit)))
