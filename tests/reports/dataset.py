"""A small hand-computed dataset: two organisations, a site, three stations, users in groups
with cost centres, sessions inside and across the period's edges, status history, prices.

Period used by the tests: 2026-11-02 .. 2026-11-09 in Europe/Paris (UTC+1), i.e.
2026-11-01T23:00Z .. 2026-11-08T23:00Z, 168 h.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from chargegrid.store.models import (
    CostCentre,
    Evse,
    IdToken,
    Organisation,
    Site,
    Station,
    StatusRecord,
    Transaction,
    User,
    UserGroup,
    UserGroupMember,
)
from chargegrid.store.models.billing import SessionPrice, Tariff

START, END, TZ = date(2026, 11, 2), date(2026, 11, 9), "Europe/Paris"
NOW = datetime(2026, 11, 20, tzinfo=UTC)


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@dataclass
class Dataset:
    other_org: int
    site_a: int
    user1: int
    user2: int
    group1: int
    cost_centre1: int
    tx1: int
    tx2: int
    tx3: int
    tx4: int
    tx5: int


def seed(s: Session) -> Dataset:
    created = utc(1, 0)
    other = Organisation(name="Other Co", created_at=created)
    s.add(other)
    s.flush()
    site = Site(name="Site A", organisation_id=1, topology={"nodes": []}, created_at=created,
                updated_at=created)
    site_b = Site(name="Site B", organisation_id=other.id, topology={"nodes": []},
                  created_at=created, updated_at=created)
    s.add_all([site, site_b])
    s.flush()
    s.add_all([Station(id="CP1", organisation_id=1, site_id=site.id, created_at=created),
               Station(id="CP2", organisation_id=1, site_id=site.id, created_at=created),
               Station(id="CPX", organisation_id=other.id, site_id=site_b.id,
                       created_at=created)])
    s.flush()
    s.add_all([Evse(station_id=sid, evse_id=e) for sid in ("CP1", "CP2") for e in (1, 2)])
    cc1 = CostCentre(organisation_id=1, code="CC1", name="Fleet")
    s.add(cc1)
    s.flush()
    u1 = User(email="u1@example.org", organisation_id=1, role="driver", created_at=created)
    u2 = User(email="u2@example.org", organisation_id=1, role="driver", created_at=created)
    s.add_all([u1, u2])
    s.flush()
    g1 = UserGroup(organisation_id=1, name="Fleet drivers", cost_centre_id=cc1.id)
    g2 = UserGroup(organisation_id=1, name="Visitors")
    s.add_all([g1, g2])
    s.flush()
    s.add_all([UserGroupMember(group_id=g1.id, user_id=u1.id),
               UserGroupMember(group_id=g2.id, user_id=u2.id)])
    for token, user in (("TAG1", u1.id), ("TAG2", u2.id), ("TAG3", None)):
        s.add(IdToken(token=token, organisation_id=1, user_id=user, created_at=created,
                      updated_at=created))

    def tx(station: str, evse: int, tag: str, start: datetime, stop: datetime | None,
           wh: int | None, mv_wh: float | None = None) -> int:
        row = Transaction(uid=f"{station}-{start:%d%H%M}", station_id=station, evse_id=evse,
                          connector_id=1, id_tag=tag, state="ended" if stop else "active",
                          started_at=start, stopped_at=stop, meter_start_wh=0,
                          meter_stop_wh=wh, energy_wh=wh, meter_values_energy_wh=mv_wh,
                          created_at=start, updated_at=stop or start)
        s.add(row)
        s.flush()
        return row.id

    tx1 = tx("CP1", 1, "TAG1", utc(2, 7), utc(2, 9), 10_000)
    tx2 = tx("CP2", 1, "TAG2", utc(3, 23, 30), utc(4, 3, 30), 5_000)   # Paris: 4 Nov 00:30
    tx3 = tx("CP1", 2, "TAG2", utc(1, 22, 30), utc(2, 1), 7_000)       # starts before period
    tx4 = tx("CPX", 1, "TAG1", utc(5, 10), utc(5, 11), 3_000)          # other organisation
    tx5 = tx("CP2", 2, "TAG3", utc(8, 22), None, None, mv_wh=1500.0)   # active, no user

    def status(station: str, evse: int, at: datetime, value: str) -> None:
        s.add(StatusRecord(station_id=station, evse_id=evse, connector_id=1, status=value,
                           timestamp=at, received_at=at))

    status("CP1", 1, utc(1, 12), "Available")
    status("CP1", 1, utc(2, 7), "Preparing")
    status("CP1", 1, utc(2, 7, 5), "Charging")
    status("CP1", 1, utc(2, 8, 5), "SuspendedEV")
    status("CP1", 1, utc(2, 9), "Available")
    status("CP1", 2, utc(1, 22, 30), "Charging")   # in force when the period opens
    status("CP1", 2, utc(2, 1), "Available")
    status("CP1", 0, utc(2, 1), "Unavailable")     # the station itself: not an EVSE
    tariff = Tariff(organisation_id=1, name="Standard", currency="EUR", created_at=created,
                    updated_at=created)
    s.add(tariff)
    s.flush()
    for tx_id, station, currency, net, vat, total in (
            (tx1, "CP1", "EUR", "2.50", "0.50", "3.00"),
            (tx2, "CP2", "CHF", "1.00", "0.08", "1.08")):
        s.add(SessionPrice(transaction_id=tx_id, tariff_id=tariff.id, tariff_version_ids=[],
                           organisation_id=1, station_id=station, started_at=created,
                           stopped_at=created, currency=currency, energy_kwh=Decimal("1"),
                           net=Decimal(net), vat=Decimal(vat), total=Decimal(total),
                           breakdown={}, priced_at=created))
    s.commit()
    return Dataset(other.id, site.id, u1.id, u2.id, g1.id, cc1.id, tx1, tx2, tx3, tx4, tx5)
