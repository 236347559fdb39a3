"""Tariffs: create, version, assign, resolve which one applies, and summarise a price.

Precedence when several assignments match a session (most specific wins):
location first — a station assignment beats a site one, which beats an organisation-wide one
(no site, no station) — then audience — a user group beats a cost centre, which beats
"anyone" (neither). A user in several matching groups gets the assignment with the lowest
id (the oldest). A session by an unknown driver (ad hoc, roaming) only matches "anyone".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chargegrid.billing import tariff as domain
from chargegrid.errors import ConflictError, InvalidInputError, NotFoundError
from chargegrid.store.models import Station, UserGroup, UserGroupMember
from chargegrid.store.models.billing import SessionPrice, Tariff, TariffAssignment, TariffVersion

MAX_DECIMALS = 4


@dataclass(frozen=True, slots=True)
class PriceSummary:
    """What a driver is told before charging: the prices in force at one moment."""

    tariff_id: int
    version_id: int
    band: str
    currency: str
    energy_per_kwh: Decimal
    time_per_hour: Decimal
    idle_per_hour: Decimal
    idle_grace_minutes: int
    session_fee: Decimal
    min_price: Decimal | None
    max_price: Decimal | None
    vat_rate: Decimal


def _scale(name: str, value: Decimal | None) -> None:
    if value is not None and value.as_tuple().exponent < -MAX_DECIMALS:  # type: ignore[operator]
        raise InvalidInputError(f"{name}: at most {MAX_DECIMALS} decimals, got {value}")


def _four(value: Decimal) -> str:
    """Prices at the scale of the money columns (4 decimals), so base and band prices read
    alike."""
    return str(value.quantize(Decimal("0.0001")))


def _hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def bands_to_json(bands: tuple[domain.Band, ...]) -> list[dict[str, Any]]:
    """Bands as stored: local HH:MM times, weekdays 0 (Monday) to 6, prices as strings."""
    return [{"name": b.name, "weekdays": sorted(b.weekdays), "start": _hhmm(b.start),
             "end": _hhmm(b.end), "energy_per_kwh": _four(b.prices.energy_per_kwh),
             "time_per_hour": _four(b.prices.time_per_hour),
             "idle_per_hour": _four(b.prices.idle_per_hour)} for b in bands]


def bands_from_json(data: list[dict[str, Any]]) -> tuple[domain.Band, ...]:
    """Stored bands back to domain objects."""
    return tuple(domain.Band(
        name=b["name"], weekdays=frozenset(b["weekdays"]), start=time.fromisoformat(b["start"]),
        end=time.fromisoformat(b["end"]),
        prices=domain.Prices(Decimal(b["energy_per_kwh"]), Decimal(b["time_per_hour"]),
                             Decimal(b["idle_per_hour"]))) for b in data)


def version_to_domain(row: TariffVersion) -> domain.TariffVersion:
    """A stored version as the pricing engine's value object."""
    return domain.TariffVersion(
        id=row.id, valid_from=row.valid_from, valid_to=row.valid_to, timezone=row.timezone,
        base=domain.Prices(row.energy_per_kwh, row.time_per_hour, row.idle_per_hour),
        bands=bands_from_json(row.bands), session_fee=row.session_fee,
        min_price=row.min_price, max_price=row.max_price,
        idle_grace=timedelta(minutes=row.idle_grace_minutes), vat_rate=row.vat_rate)


def versions_of(session: Session, *, tariff_id: int) -> list[TariffVersion]:
    """A tariff's versions, oldest first."""
    return list(session.scalars(select(TariffVersion).where(
        TariffVersion.tariff_id == tariff_id).order_by(TariffVersion.valid_from)))


def to_domain(session: Session, *, tariff: Tariff) -> domain.Tariff:
    """A stored tariff with all its versions, ready to price with."""
    return domain.Tariff(tariff.id, tariff.name, tariff.currency,
                         tuple(version_to_domain(v) for v in
                               versions_of(session, tariff_id=tariff.id)))


def get_or_raise(session: Session, *, tariff_id: int,
                 organisation_id: int | None = None) -> Tariff:
    """The tariff, or NotFoundError (also when it belongs to another organisation)."""
    row = session.get(Tariff, tariff_id)
    if row is None or (organisation_id is not None and row.organisation_id != organisation_id):
        raise NotFoundError(f"tariff {tariff_id} does not exist")
    return row


def list_tariffs(session: Session, *, organisation_id: int) -> list[Tariff]:
    """An organisation's tariffs by name."""
    return list(session.scalars(select(Tariff).where(
        Tariff.organisation_id == organisation_id).order_by(Tariff.name)))


def create(session: Session, *, organisation_id: int, name: str, currency: str,
           now: datetime) -> Tariff:
    """A new tariff without versions (it prices nothing until one is added)."""
    domain.Tariff(0, name, currency, ())  # validates the currency code
    if not name.strip():
        raise InvalidInputError("name: must not be empty")
    if session.scalar(select(Tariff.id).where(Tariff.organisation_id == organisation_id,
                                              Tariff.name == name)) is not None:
        raise ConflictError(f"name: a tariff named {name!r} already exists")
    row = Tariff(organisation_id=organisation_id, name=name, currency=currency,
                 created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return row


def add_version(session: Session, *, tariff_id: int, version: domain.TariffVersion,
                now: datetime, organisation_id: int | None = None) -> TariffVersion:
    """Add a version; one overlapping an existing version is refused (ConflictError) — end
    the open version first with `close_version`."""
    tariff = get_or_raise(session, tariff_id=tariff_id, organisation_id=organisation_id)
    for name in ("session_fee", "min_price", "max_price", "vat_rate"):
        _scale(name, getattr(version, name))
    for prefix, prices in [("base", version.base)] + [(f"bands.{b.name}", b.prices)
                                                       for b in version.bands]:
        for field in ("energy_per_kwh", "time_per_hour", "idle_per_hour"):
            _scale(f"{prefix}.{field}", getattr(prices, field))
    existing = [version_to_domain(v) for v in versions_of(session, tariff_id=tariff_id)]
    try:
        domain.check_no_overlap([*existing, version])
    except InvalidInputError as err:
        raise ConflictError(err.message) from err
    row = TariffVersion(
        tariff_id=tariff.id, valid_from=version.valid_from, valid_to=version.valid_to,
        timezone=version.timezone, energy_per_kwh=version.base.energy_per_kwh,
        time_per_hour=version.base.time_per_hour, idle_per_hour=version.base.idle_per_hour,
        idle_grace_minutes=int(version.idle_grace.total_seconds() // 60),
        session_fee=version.session_fee, min_price=version.min_price,
        max_price=version.max_price, vat_rate=version.vat_rate,
        bands=bands_to_json(version.bands), created_at=now)
    session.add(row)
    tariff.updated_at = now
    session.flush()
    return row


def close_version(session: Session, *, version_id: int, valid_to: datetime, now: datetime,
                  organisation_id: int | None = None,
                  tariff_id: int | None = None) -> TariffVersion:
    """End a version at `valid_to`. Only the future may change: a past moment is refused so
    sessions already priced stay reproducible."""
    row = session.get(TariffVersion, version_id)
    if row is None or (tariff_id is not None and row.tariff_id != tariff_id):
        raise NotFoundError(f"tariff version {version_id} does not exist")
    get_or_raise(session, tariff_id=row.tariff_id, organisation_id=organisation_id)
    if valid_to < now:
        raise InvalidInputError(f"valid_to: {valid_to.isoformat()} is in the past; prices "
                                f"already in force cannot be changed")
    if row.valid_to is not None and row.valid_to < now:
        raise ConflictError(f"tariff version {version_id} already ended")
    if valid_to <= row.valid_from:
        raise InvalidInputError("valid_to: must be after the version's valid_from")
    row.valid_to = valid_to
    session.flush()
    return row


def delete(session: Session, *, tariff_id: int, organisation_id: int | None = None) -> None:
    """Delete a tariff that has priced nothing yet (priced sessions keep theirs)."""
    row = get_or_raise(session, tariff_id=tariff_id, organisation_id=organisation_id)
    if session.scalar(select(SessionPrice.id).where(SessionPrice.tariff_id == tariff_id)
                      .limit(1)) is not None:
        raise ConflictError(f"tariff {tariff_id} has priced sessions; close its version "
                            f"instead of deleting it")
    session.delete(row)
    session.flush()


def assign(session: Session, *, tariff_id: int, now: datetime, site_id: int | None = None,
           station_id: str | None = None, user_group_id: int | None = None,
           cost_centre_id: int | None = None,
           organisation_id: int | None = None) -> TariffAssignment:
    """Assign a tariff to a place (station, site or the whole organisation) and an audience
    (user group, cost centre or anyone); the same place and audience twice is a conflict."""
    tariff = get_or_raise(session, tariff_id=tariff_id, organisation_id=organisation_id)
    if site_id is not None and station_id is not None:
        raise InvalidInputError("station_id: give a site or a station, not both")
    if user_group_id is not None and cost_centre_id is not None:
        raise InvalidInputError("cost_centre_id: give a user group or a cost centre, not both")
    same = select(TariffAssignment.id).where(
        TariffAssignment.organisation_id == tariff.organisation_id,
        TariffAssignment.site_id.is_(None) if site_id is None
        else TariffAssignment.site_id == site_id,
        TariffAssignment.station_id.is_(None) if station_id is None
        else TariffAssignment.station_id == station_id,
        TariffAssignment.user_group_id.is_(None) if user_group_id is None
        else TariffAssignment.user_group_id == user_group_id,
        TariffAssignment.cost_centre_id.is_(None) if cost_centre_id is None
        else TariffAssignment.cost_centre_id == cost_centre_id)
    taken = session.scalar(same)
    if taken is not None:
        raise ConflictError(f"assignment {taken} already covers this place and audience")
    row = TariffAssignment(organisation_id=tariff.organisation_id, tariff_id=tariff.id,
                           site_id=site_id, station_id=station_id,
                           user_group_id=user_group_id, cost_centre_id=cost_centre_id,
                           created_at=now)
    session.add(row)
    session.flush()
    return row


def list_assignments(session: Session, *, organisation_id: int) -> list[TariffAssignment]:
    """An organisation's tariff assignments, oldest first."""
    return list(session.scalars(select(TariffAssignment).where(
        TariffAssignment.organisation_id == organisation_id).order_by(TariffAssignment.id)))


def unassign(session: Session, *, assignment_id: int,
             organisation_id: int | None = None) -> None:
    """Remove an assignment (sessions already priced keep their price)."""
    row = session.get(TariffAssignment, assignment_id)
    if row is None or (organisation_id is not None and row.organisation_id != organisation_id):
        raise NotFoundError(f"tariff assignment {assignment_id} does not exist")
    session.delete(row)
    session.flush()


def groups_of(session: Session, *, user_id: int) -> list[UserGroup]:
    """A user's groups, oldest first."""
    return list(session.scalars(select(UserGroup).join(
        UserGroupMember, UserGroupMember.group_id == UserGroup.id).where(
        UserGroupMember.user_id == user_id).order_by(UserGroup.id)))


def choose(assignments: Iterable[TariffAssignment], *, station: Station,
           groups: Sequence[UserGroup]) -> TariffAssignment | None:
    """The assignment that applies (the precedence of the module docstring), pure."""
    group_ids = {g.id for g in groups}
    centre_ids = {g.cost_centre_id for g in groups if g.cost_centre_id is not None}
    best: tuple[int, int, int] | None = None
    chosen: TariffAssignment | None = None
    for a in assignments:
        if a.organisation_id != station.organisation_id:
            continue
        if a.station_id is not None:
            place = 0 if a.station_id == station.id else None
        elif a.site_id is not None:
            place = 1 if a.site_id == station.site_id else None
        else:
            place = 2
        if a.user_group_id is not None:
            audience = 0 if a.user_group_id in group_ids else None
        elif a.cost_centre_id is not None:
            audience = 1 if a.cost_centre_id in centre_ids else None
        else:
            audience = 2
        if place is None or audience is None:
            continue
        rank = (place, audience, a.id)
        if best is None or rank < best:
            best, chosen = rank, a
    return chosen


def resolve(session: Session, *, station_id: str, user_id: int | None) -> Tariff | None:
    """The tariff for a session at a station by a user (None: nobody assigned one)."""
    station = session.get(Station, station_id)
    if station is None:
        raise NotFoundError(f"station {station_id} does not exist")
    groups = groups_of(session, user_id=user_id) if user_id is not None else []
    chosen = choose(list_assignments(session, organisation_id=station.organisation_id),
                    station=station, groups=groups)
    return None if chosen is None else session.get(Tariff, chosen.tariff_id)


def price_summary_for(session: Session, station_id: str, at: datetime,
                      user_id: int | None = None) -> PriceSummary | None:
    """The prices a driver (by default an anonymous one: ad hoc/QR) would pay at a station at
    `at`: the version and band in force then; None when no tariff or version applies."""
    row = resolve(session, station_id=station_id, user_id=user_id)
    if row is None:
        return None
    version = to_domain(session, tariff=row).version_at(at)
    if version is None:
        return None
    band, prices = version.band_at(at)
    return PriceSummary(
        tariff_id=row.id, version_id=version.id, band=band, currency=row.currency,
        energy_per_kwh=prices.energy_per_kwh, time_per_hour=prices.time_per_hour,
        idle_per_hour=prices.idle_per_hour,
        idle_grace_minutes=int(version.idle_grace.total_seconds() // 60),
        session_fee=version.session_fee, min_price=version.min_price,
        max_price=version.max_price, vat_rate=version.vat_rate)
