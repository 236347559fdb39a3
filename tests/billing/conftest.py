"""Billing fixtures: a session on a fresh migrated database and small row factories
(rows are written directly, so these tests do not depend on the OCPP path)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from chargegrid.billing.tariff import Band, Prices, TariffVersion
from chargegrid.services import tariffs
from chargegrid.store.database import create_db_engine, create_session_factory
from chargegrid.store.models import (
    CostCentre,
    IdToken,
    MeterValue,
    Site,
    Station,
    Transaction,
    User,
    UserGroup,
    UserGroupMember,
)

NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)
D = Decimal


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.fixture
def db(database_url: str) -> Iterator[Session]:
    engine = create_db_engine(database_url)
    try:
        with create_session_factory(engine)() as s:
            yield s
    finally:
        engine.dispose()


def add_site_station(db: Session, station_id: str = "CP1", site: str = "HQ") -> Station:
    site_row = Site(name=site, topology={"nodes": []}, created_at=NOW, updated_at=NOW)
    db.add(site_row)
    db.flush()
    station = Station(id=station_id, site_id=site_row.id, created_at=NOW)
    db.add(station)
    db.flush()
    return station


def add_user(db: Session, email: str, token: str, *, group: str | None = None,
             centre: str | None = None) -> User:
    user = User(email=email, name=email.split("@")[0], created_at=NOW)
    db.add(user)
    db.flush()
    db.add(IdToken(token=token, user_id=user.id, created_at=NOW, updated_at=NOW))
    if group is not None:
        centre_id = None
        if centre is not None:
            cc = CostCentre(organisation_id=1, code=centre, name=centre)
            db.add(cc)
            db.flush()
            centre_id = cc.id
        g = UserGroup(organisation_id=1, name=group, cost_centre_id=centre_id)
        db.add(g)
        db.flush()
        db.add(UserGroupMember(group_id=g.id, user_id=user.id))
    db.flush()
    return user


def add_session(db: Session, station_id: str, token: str | None,
                readings: list[tuple[datetime, int]], *, unit: str = "Wh") -> Transaction:
    """An ended transaction: meterStart/Stop = first/last reading, the rest as samples."""
    (start, first), (stop, last) = readings[0], readings[-1]
    tx = Transaction(uid="", station_id=station_id, evse_id=1, connector_id=1, id_tag=token,
                     state="ended", started_at=start, stopped_at=stop, meter_start_wh=first,
                     meter_stop_wh=last, energy_wh=last - first, created_at=NOW,
                     updated_at=NOW)
    db.add(tx)
    db.flush()
    tx.uid = str(tx.id)
    for at, wh in readings[1:-1]:
        value = str(D(wh) / 1000) if unit == "kWh" else str(wh)
        db.add(MeterValue(station_id=station_id, evse_id=1, connector_id=1,
                          transaction_id=tx.id, timestamp=at, value=value,
                          value_number=float(value),
                          measurand="Energy.Active.Import.Register", unit=unit,
                          context="Sample.Periodic", location="Outlet", format="Raw",
                          received_at=NOW))
    db.flush()
    return tx


def peak_offpeak(version_id: int = 0, *, valid_from: datetime = utc(2026, 1, 1),
                 valid_to: datetime | None = None, base: str = "0.20", peak: str = "0.30",
                 fee: str = "0.50") -> TariffVersion:
    return TariffVersion(id=version_id, valid_from=valid_from, valid_to=valid_to,
                         timezone="Europe/Paris", base=Prices(D(base), D("0.50")),
                         bands=(Band("peak", time(7), time(22), Prices(D(peak), D("1.00"))),),
                         session_fee=D(fee), vat_rate=D("0.20"))


def simple_tariff(db: Session, name: str = "standard", *, energy: str = "0.30",
                  fee: str = "0", vat: str = "0.20") -> int:
    """An organisation-wide, anyone tariff with one flat open-ended version."""
    row = tariffs.create(db, organisation_id=1, name=name, currency="EUR", now=NOW)
    tariffs.add_version(db, tariff_id=row.id, now=NOW, version=TariffVersion(
        id=0, valid_from=utc(2020, 1, 1), timezone="UTC", base=Prices(D(energy)),
        session_fee=D(fee), vat_rate=D(vat)))
    tariffs.assign(db, tariff_id=row.id, now=NOW)
    return row.id
