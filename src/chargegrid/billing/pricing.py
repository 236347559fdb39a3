"""Price one session from its energy register samples and its timeline — pure, no I/O.

The session [started_at, stopped_at) is cut at every moment a price could change: each
register sample, each band boundary of each version in force (local time, both folds of an
ambiguous time, and every DST transition — so DST days work), each version's validity
boundary, each idle-period boundary and the end of the idle grace period. Inside one piece
every price is constant, so:

* **energy** of a piece = register(end) − register(start), the register being interpolated
  **linearly in time** between two consecutive samples. Energy between two samples that
  straddle a band or version boundary is thus split in proportion to the time on each side;
  a session sampled every minute is priced almost exactly, one with only its start and stop
  readings is priced as if the power had been constant. Before the first and after the last
  sample the register is flat (callers pass the transaction's meterStart/meterStop readings
  at the start and stop times, so no energy is lost).
* **charging time** = the piece's duration when it is not idle; **idle time** = its duration
  when idle, billed only once the session's cumulative idle time exceeds the grace period.

Pieces are summed per (kind, version, band) into lines; rounding follows rounding.py. The
minimum/maximum price clamps the subtotal through an explicit adjustment line, so the lines
always add up to the net amount before rounding it to cents.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from chargegrid.billing import rounding
from chargegrid.billing.tariff import Tariff, TariffVersion
from chargegrid.errors import InvalidInputError

HOUR_US = Decimal(3_600_000_000)
KWH = Decimal(1000)
# Idle rule used by `idle_from_samples`: a stretch between two register samples whose average
# power is below this is parked/idle (car full, or suspended by the EV or the EVSE).
IDLE_POWER_W = Decimal(100)
BREAKDOWN_FORMAT = "chargegrid-price/1"


@dataclass(frozen=True, slots=True)
class EnergySample:
    """One reading of the session's import energy register (Wh), as a Decimal."""

    at: datetime
    wh: Decimal


@dataclass(frozen=True, slots=True)
class Interval:
    """[start, end) in UTC."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class SessionInput:
    """What the engine needs of a finished session."""

    started_at: datetime
    stopped_at: datetime
    samples: tuple[EnergySample, ...]
    idle: tuple[Interval, ...] = ()


@dataclass(frozen=True, slots=True)
class PriceLine:
    """One line of a breakdown: `kind` is energy, charging_time, idle_time, session_fee,
    minimum_price or maximum_price."""

    kind: str
    version_id: int | None
    band: str | None
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "version_id": self.version_id, "band": self.band,
                "quantity": str(self.quantity), "unit": self.unit,
                "unit_price": str(self.unit_price), "amount": str(self.amount)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PriceLine:
        return cls(kind=data["kind"], version_id=data["version_id"], band=data["band"],
                   quantity=Decimal(data["quantity"]), unit=data["unit"],
                   unit_price=Decimal(data["unit_price"]), amount=Decimal(data["amount"]))


@dataclass(frozen=True, slots=True)
class PriceBreakdown:
    """A priced session: lines, subtotal (lines before min/max), net in cents, VAT, total."""

    tariff_id: int
    currency: str
    lines: tuple[PriceLine, ...]
    subtotal: Decimal
    net: Decimal
    vat_rate: Decimal
    vat: Decimal
    total: Decimal
    energy_kwh: Decimal
    charging_hours: Decimal
    idle_hours: Decimal
    version_ids: tuple[int, ...]

    def to_json(self) -> dict[str, Any]:
        """A JSON document that `from_json` reads back to an equal breakdown."""
        return {"format": BREAKDOWN_FORMAT, "tariff_id": self.tariff_id,
                "currency": self.currency, "lines": [line.to_json() for line in self.lines],
                "subtotal": str(self.subtotal), "net": str(self.net),
                "vat_rate": str(self.vat_rate), "vat": str(self.vat), "total": str(self.total),
                "energy_kwh": str(self.energy_kwh),
                "charging_hours": str(self.charging_hours),
                "idle_hours": str(self.idle_hours), "version_ids": list(self.version_ids)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PriceBreakdown:
        if data.get("format") != BREAKDOWN_FORMAT:
            raise InvalidInputError(f"breakdown: unknown format {data.get('format')!r}")
        return cls(
            tariff_id=data["tariff_id"], currency=data["currency"],
            lines=tuple(PriceLine.from_json(x) for x in data["lines"]),
            subtotal=Decimal(data["subtotal"]), net=Decimal(data["net"]),
            vat_rate=Decimal(data["vat_rate"]), vat=Decimal(data["vat"]),
            total=Decimal(data["total"]), energy_kwh=Decimal(data["energy_kwh"]),
            charging_hours=Decimal(data["charging_hours"]),
            idle_hours=Decimal(data["idle_hours"]),
            version_ids=tuple(data["version_ids"]))


def _us(delta: timedelta) -> Decimal:
    return Decimal((delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)


def _aware(name: str, moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise InvalidInputError(f"{name}: must be timezone-aware")
    return moment.astimezone(UTC)


def _clean_samples(samples: Iterable[EnergySample]) -> list[EnergySample]:
    """Samples in time order; one per instant (the highest); a falling register is refused
    (a replaced meter or a corrupt reading must be looked at, not silently billed)."""
    by_time: dict[datetime, Decimal] = {}
    for s in samples:
        at = _aware("samples.at", s.at)
        if not s.wh.is_finite():
            raise InvalidInputError(f"samples: non-finite reading at {at.isoformat()}")
        by_time[at] = max(s.wh, by_time.get(at, s.wh))
    out = [EnergySample(at, wh) for at, wh in sorted(by_time.items())]
    for before, after in itertools.pairwise(out):
        if after.wh < before.wh:
            raise InvalidInputError(
                f"samples: energy register falls from {before.wh} Wh at "
                f"{before.at.isoformat()} to {after.wh} Wh at {after.at.isoformat()}")
    return out


class _Register:
    """The register interpolated linearly in time; queried at increasing moments."""

    def __init__(self, samples: list[EnergySample]) -> None:
        self._s = samples
        self._i = 0

    def at(self, moment: datetime) -> Decimal:
        s = self._s
        if not s:
            return Decimal(0)
        if moment <= s[0].at:
            return s[0].wh
        if moment >= s[-1].at:
            return s[-1].wh
        while s[self._i + 1].at < moment:
            self._i += 1
        a, b = s[self._i], s[self._i + 1]
        if moment == b.at:
            return b.wh
        return a.wh + (b.wh - a.wh) * _us(moment - a.at) / _us(b.at - a.at)


def _dst_transitions(version: TariffVersion, start: datetime, stop: datetime) -> set[datetime]:
    """UTC instants in (start, stop) where the zone's offset changes (to the second)."""
    zone = version.zone

    def offset(moment: datetime) -> timedelta | None:
        return moment.astimezone(zone).utcoffset()

    out: set[datetime] = set()
    probe = start
    while probe < stop:
        nxt = min(probe + timedelta(hours=1), stop)
        if offset(probe) != offset(nxt):
            lo, hi = probe, nxt  # offset(lo) differs from offset(hi): bisect to the second
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                if offset(mid) == offset(lo):
                    lo = mid
                else:
                    hi = mid
            out.add(hi.replace(microsecond=0) if hi.microsecond else hi)
        probe = nxt
    return out


def _band_cuts(version: TariffVersion, start: datetime, stop: datetime) -> set[datetime]:
    """UTC instants in (start, stop) where this version's band may change."""
    zone = version.zone
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = stop.astimezone(zone).date() + timedelta(days=1)
    times = version.boundary_times()
    out: set[datetime] = set()
    day = first
    while day <= last:
        for t in times:
            for fold in (0, 1):
                moment = datetime.combine(day, t, tzinfo=zone).replace(fold=fold).astimezone(UTC)
                if start < moment < stop:
                    out.add(moment)
        day += timedelta(days=1)
    return out | _dst_transitions(version, start, stop)


def _merge(intervals: Iterable[Interval], start: datetime, stop: datetime) -> list[Interval]:
    """Idle intervals clipped to the session, sorted and merged."""
    clipped = sorted(
        (max(_aware("idle.start", iv.start), start), min(_aware("idle.end", iv.end), stop))
        for iv in intervals)
    out: list[Interval] = []
    for a, b in clipped:
        if b <= a:
            continue
        if out and a <= out[-1].end:
            out[-1] = Interval(out[-1].start, max(out[-1].end, b))
        else:
            out.append(Interval(a, b))
    return out


def _grace_end(idle: list[Interval], grace: timedelta) -> datetime | None:
    """The moment cumulative idle time passes the grace period (None: it never does)."""
    remaining = grace
    for iv in idle:
        if iv.end - iv.start > remaining:
            return iv.start + remaining
        remaining -= iv.end - iv.start
    return None


def idle_from_samples(samples: Sequence[EnergySample],
                      threshold_w: Decimal = IDLE_POWER_W) -> tuple[Interval, ...]:
    """The documented idle rule: stretches between consecutive register samples whose
    average power is below `threshold_w` (the car is parked, not charging)."""
    clean = _clean_samples(samples)
    out: list[Interval] = []
    for a, b in itertools.pairwise(clean):
        hours = _us(b.at - a.at) / HOUR_US
        if (b.wh - a.wh) < threshold_w * hours:
            out.append(Interval(a.at, b.at))
    return tuple(out)


def price_session(tariff: Tariff, session: SessionInput) -> PriceBreakdown:
    """Price a finished session with the tariff versions valid at each moment of it."""
    start = _aware("started_at", session.started_at)
    stop = _aware("stopped_at", session.stopped_at)
    if stop < start:
        raise InvalidInputError(f"stopped_at: {stop.isoformat()} is before started_at "
                                f"{start.isoformat()}")
    first = tariff.version_at(start)
    if first is None:
        raise InvalidInputError(f"tariff {tariff.id}: no version valid at the session start "
                                f"{start.isoformat()}")
    samples = _clean_samples(session.samples)
    idle = _merge(session.idle, start, stop)
    grace_end = _grace_end(idle, first.idle_grace)

    cuts = {start, stop}
    cuts.update(s.at for s in samples if start < s.at < stop)
    for iv in idle:
        cuts.update((iv.start, iv.end))
    if grace_end is not None:
        cuts.add(grace_end)
    versions = [v for v in tariff.versions
                if v.valid_from < stop and (v.valid_to is None or v.valid_to > start)]
    for v in versions:
        cuts.update(m for m in (v.valid_from, v.valid_to) if m is not None and start < m < stop)
        cuts |= _band_cuts(v, start, stop)
    points = sorted(cuts)

    register = _Register(samples)
    # (kind, version id, band) -> [exact quantity, unit price, first moment]
    acc: dict[tuple[str, int, str], list[Any]] = {}
    idle_i = 0
    previous = register.at(start)
    for a, b in itertools.pairwise(points):
        version = tariff.version_at(a)
        if version is None:
            raise InvalidInputError(f"tariff {tariff.id}: no version valid at "
                                    f"{a.isoformat()} (inside the session)")
        band, prices = version.band_at(a)
        current = register.at(b)
        energy_kwh = (current - previous) / KWH
        previous = current
        hours = _us(b - a) / HOUR_US
        while idle_i < len(idle) and idle[idle_i].end <= a:
            idle_i += 1
        is_idle = idle_i < len(idle) and idle[idle_i].start <= a
        parts: list[tuple[str, Decimal, Decimal]] = [
            ("energy", energy_kwh, prices.energy_per_kwh)]
        if not is_idle:
            parts.append(("charging_time", hours, prices.time_per_hour))
        elif grace_end is not None and a >= grace_end:
            parts.append(("idle_time", hours, prices.idle_per_hour))
        for kind, qty, unit_price in parts:
            slot = acc.setdefault((kind, version.id, band), [Decimal(0), unit_price, a])
            slot[0] += qty

    lines: list[PriceLine] = []
    units = {"energy": "kWh", "charging_time": "h", "idle_time": "h"}
    order = {"energy": 0, "charging_time": 1, "idle_time": 2}
    for (kind, version_id, band), (qty, unit_price, _) in sorted(
            acc.items(), key=lambda kv: (order[kv[0][0]], kv[1][2])):
        q = rounding.quantity(qty)
        if q == 0 or (kind != "energy" and unit_price == 0):
            continue  # free time is in the totals (charging_hours), not a line
        lines.append(PriceLine(kind, version_id, band, q, units[kind], unit_price,
                               rounding.line_amount(q, unit_price)))
    if first.session_fee:
        lines.append(PriceLine("session_fee", first.id, None, Decimal(1), "session",
                               first.session_fee, rounding.line_amount(Decimal(1),
                                                                       first.session_fee)))
    subtotal = sum((line.amount for line in lines), Decimal(0))
    clamped = subtotal
    if first.min_price is not None and subtotal < first.min_price:
        clamped = first.min_price
        kind = "minimum_price"
    elif first.max_price is not None and subtotal > first.max_price:
        clamped = first.max_price
        kind = "maximum_price"
    if clamped != subtotal:
        lines.append(PriceLine(kind, first.id, None, Decimal(1), "session",
                               clamped - subtotal, clamped - subtotal))
    net = rounding.cents(clamped)
    vat = rounding.vat(net, first.vat_rate)

    def total_of(kind: str) -> Decimal:
        return sum((q for (k, _, _), (q, _, _) in acc.items() if k == kind), Decimal(0))

    return PriceBreakdown(
        tariff_id=tariff.id, currency=tariff.currency, lines=tuple(lines), subtotal=subtotal,
        net=net, vat_rate=first.vat_rate, vat=vat, total=net + vat,
        energy_kwh=rounding.quantity(total_of("energy")),
        charging_hours=rounding.quantity(total_of("charging_time")),
        idle_hours=rounding.quantity(total_of("idle_time")),
        version_ids=tuple(sorted({v.id for v in versions if v.id in
                                  {k[1] for k in acc} | {first.id}})))
