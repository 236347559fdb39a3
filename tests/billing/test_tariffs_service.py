"""Stored tariffs: versions without overlap, assignment precedence, price summaries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from chargegrid.errors import ConflictError, InvalidInputError
from chargegrid.services import tariffs
from tests.billing.conftest import NOW, add_site_station, add_user, peak_offpeak, utc

D = Decimal


def test_versions_round_trip_and_overlaps_are_refused(db: Session) -> None:
    t = tariffs.create(db, organisation_id=1, name="staff", currency="EUR", now=NOW)
    v1 = tariffs.add_version(db, tariff_id=t.id, now=NOW, version=peak_offpeak(
        valid_to=utc(2026, 10, 15, 21)))
    tariffs.add_version(db, tariff_id=t.id, now=NOW, version=peak_offpeak(
        valid_from=utc(2026, 10, 15, 21), base="0.25", peak="0.40"))
    db.commit()
    dom = tariffs.to_domain(db, tariff=t)
    assert [v.base.energy_per_kwh for v in dom.versions] == [D("0.2000"), D("0.2500")]
    assert dom.versions[0].id == v1.id
    assert dom.versions[1].bands[0].prices.energy_per_kwh == D("0.40")
    with pytest.raises(ConflictError, match="overlaps"):
        tariffs.add_version(db, tariff_id=t.id, now=NOW,
                            version=peak_offpeak(valid_from=utc(2027, 1, 1)))
    with pytest.raises(InvalidInputError, match="at most 4 decimals"):
        tariffs.add_version(db, tariff_id=t.id, now=NOW, version=peak_offpeak(
            valid_from=utc(2019, 1, 1), valid_to=utc(2019, 2, 1), base="0.123456"))
    with pytest.raises(ConflictError, match="already exists"):
        tariffs.create(db, organisation_id=1, name="staff", currency="EUR", now=NOW)
    with pytest.raises(InvalidInputError, match="currency"):
        tariffs.create(db, organisation_id=1, name="x", currency="euro", now=NOW)
    with pytest.raises(InvalidInputError, match="in the past"):
        tariffs.close_version(db, version_id=v1.id, valid_to=utc(2026, 1, 2), now=NOW)


def test_precedence_station_over_site_and_group_over_anyone(db: Session) -> None:
    station = add_site_station(db)
    staff = add_user(db, "ann@example.com", "TAG-ANN", group="staff", centre="CC-42")
    guest = add_user(db, "bob@example.com", "TAG-BOB")
    ids = {}
    for name in ("org-anyone", "site-anyone", "site-centre", "site-group", "station-anyone"):
        ids[name] = tariffs.create(db, organisation_id=1, name=name, currency="EUR",
                                   now=NOW).id
    tariffs.assign(db, tariff_id=ids["org-anyone"], now=NOW)
    assert tariffs.resolve(db, station_id="CP1", user_id=guest.id).id == ids["org-anyone"]
    tariffs.assign(db, tariff_id=ids["site-anyone"], site_id=station.site_id, now=NOW)
    assert tariffs.resolve(db, station_id="CP1", user_id=None).id == ids["site-anyone"]
    cc = tariffs.groups_of(db, user_id=staff.id)[0].cost_centre_id
    tariffs.assign(db, tariff_id=ids["site-centre"], site_id=station.site_id,
                   cost_centre_id=cc, now=NOW)
    assert tariffs.resolve(db, station_id="CP1", user_id=staff.id).id == ids["site-centre"]
    group = tariffs.groups_of(db, user_id=staff.id)[0].id
    tariffs.assign(db, tariff_id=ids["site-group"], site_id=station.site_id,
                   user_group_id=group, now=NOW)
    assert tariffs.resolve(db, station_id="CP1", user_id=staff.id).id == ids["site-group"]
    assert tariffs.resolve(db, station_id="CP1", user_id=guest.id).id == ids["site-anyone"]
    tariffs.assign(db, tariff_id=ids["station-anyone"], station_id="CP1", now=NOW)
    assert tariffs.resolve(db, station_id="CP1", user_id=staff.id).id == ids["station-anyone"]
    with pytest.raises(ConflictError, match="already covers"):
        tariffs.assign(db, tariff_id=ids["site-group"], station_id="CP1", now=NOW)
    with pytest.raises(InvalidInputError, match="not both"):
        tariffs.assign(db, tariff_id=ids["site-group"], station_id="CP1",
                       site_id=station.site_id, now=NOW)


def test_price_summary_gives_the_band_in_force(db: Session) -> None:
    add_site_station(db)
    t = tariffs.create(db, organisation_id=1, name="public", currency="EUR", now=NOW)
    version = tariffs.add_version(db, tariff_id=t.id, now=NOW, version=peak_offpeak())
    assert tariffs.price_summary_for(db, "CP1", utc(2026, 6, 1, 12)) is None  # unassigned
    tariffs.assign(db, tariff_id=t.id, now=NOW)
    noon = tariffs.price_summary_for(db, "CP1", utc(2026, 6, 1, 12))  # 14:00 Paris
    night = tariffs.price_summary_for(db, "CP1", utc(2026, 6, 1, 21))  # 23:00 Paris
    assert noon is not None and night is not None
    assert (noon.band, noon.energy_per_kwh, noon.time_per_hour) == ("peak", D("0.30"),
                                                                    D("1.00"))
    assert (night.band, night.energy_per_kwh) == ("base", D("0.2000"))
    assert noon.version_id == version.id and noon.currency == "EUR"
    assert noon.session_fee == D("0.5000") and noon.vat_rate == D("0.2000")
    assert tariffs.price_summary_for(db, "CP1", utc(2025, 6, 1)) is None  # no version yet
