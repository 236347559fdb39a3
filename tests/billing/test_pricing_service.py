"""Pricing stored transactions from their stored meter values."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chargegrid.errors import ConflictError, NotFoundError
from chargegrid.services import pricing, tariffs
from chargegrid.store.models.billing import SessionPrice
from tests.billing.conftest import (
    NOW,
    add_session,
    add_site_station,
    add_user,
    peak_offpeak,
    simple_tariff,
    utc,
)

D = Decimal


def test_stored_session_priced_band_by_band_from_meter_values(db: Session) -> None:
    """The acceptance case on stored data: peak/off-peak boundary (22:00 Paris = 20:00Z)
    and a version change (21:00Z), samples in kWh as some stations send them."""
    add_site_station(db)
    ann = add_user(db, "ann@example.com", "TAG-ANN", group="staff", centre="CC-42")
    t = tariffs.create(db, organisation_id=1, name="staff", currency="EUR", now=NOW)
    tariffs.add_version(db, tariff_id=t.id, now=NOW,
                        version=peak_offpeak(valid_to=utc(2026, 10, 15, 21)))
    v2 = tariffs.add_version(db, tariff_id=t.id, now=NOW, version=peak_offpeak(
        valid_from=utc(2026, 10, 15, 21), base="0.25", peak="0.40", fee="0.70"))
    tariffs.assign(db, tariff_id=t.id, now=NOW)
    tx = add_session(db, "CP1", "TAG-ANN", [
        (utc(2026, 10, 15, 19, 30), 1000), (utc(2026, 10, 15, 20, 10), 9000),
        (utc(2026, 10, 15, 20, 40), 15000), (utc(2026, 10, 15, 21, 30), 20000)], unit="kWh")
    price = pricing.price_transaction(db, tx.id, now=NOW)
    lines = {(x["kind"], x["band"], x["version_id"] == v2.id): (x["quantity"], x["amount"])
             for x in price.breakdown["lines"]}
    assert lines == {
        ("energy", "peak", False): ("6.0000", "1.8000"),
        ("energy", "base", False): ("10.0000", "2.0000"),
        ("energy", "base", True): ("3.0000", "0.7500"),
        ("charging_time", "peak", False): ("0.5000", "0.5000"),
        ("charging_time", "base", False): ("1.0000", "0.5000"),
        ("charging_time", "base", True): ("0.5000", "0.2500"),  # v2 base time 0.50/h
        ("session_fee", None, False): ("1", "0.5000"),
    }
    assert (price.net, price.vat, price.total) == (D("6.30"), D("1.26"), D("7.56"))
    assert price.user_id == ann.id and price.cost_centre_id is not None
    assert price.energy_kwh == D("19.0000")
    db.commit()
    again = pricing.price_transaction(db, tx.id, now=utc(2026, 12, 1))
    assert again.breakdown == price.breakdown and again.priced_at == NOW  # reproducible
    assert db.scalar(select(func.count()).select_from(SessionPrice)) == 1


def test_pending_job_prices_what_it_can_and_reports_the_rest(db: Session) -> None:
    add_site_station(db)
    add_site_station(db, "CP2", site="Depot")
    simple_tariff(db)
    ok = add_session(db, "CP1", None, [(utc(2026, 10, 1, 8), 0), (utc(2026, 10, 1, 9), 2500)])
    bad = add_session(db, "CP2", None, [(utc(2026, 10, 1, 8), 900),
                                        (utc(2026, 10, 1, 8, 30), 100),
                                        (utc(2026, 10, 1, 9), 1000)])
    priced, failed = pricing.price_pending(db, now=NOW)
    assert priced == 1 and set(failed) == {bad.id}, failed
    assert "register falls" in failed[bad.id]
    assert pricing.get_or_raise(db, transaction_id=ok.id).total == D("0.90")  # 2.5×0.30+20 %
    with pytest.raises(NotFoundError):
        pricing.get_or_raise(db, transaction_id=bad.id)


def test_unfinished_or_untariffed_sessions_are_refused(db: Session) -> None:
    add_site_station(db)
    tx = add_session(db, "CP1", None, [(utc(2026, 10, 1, 8), 0), (utc(2026, 10, 1, 9), 10)])
    with pytest.raises(NotFoundError, match="no tariff"):
        pricing.price_transaction(db, tx.id, now=NOW)
    tx.state = "active"
    with pytest.raises(ConflictError, match="has not ended"):
        pricing.price_transaction(db, tx.id, now=NOW)


def test_a_price_stored_meanwhile_by_another_worker_is_reused(
        db: Session, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The AutoPricer and the ad-hoc flow may price the same session at once: the loser of
    the race gets the winner's row, not an IntegrityError."""
    from chargegrid.store.database import create_db_engine, create_session_factory

    add_site_station(db)
    simple_tariff(db)
    tx = add_session(db, "CP1", None, [(utc(2026, 10, 1, 8), 0), (utc(2026, 10, 1, 9), 2000)])
    db.commit()
    other_engine = create_db_engine(database_url)
    real_register_rows = pricing.register_rows
    raced: list[bool] = []

    def racing_register_rows(session: Session, **kwargs: object) -> object:
        # Between our "is it priced?" check and our insert, another worker prices it.
        if not raced:
            raced.append(True)
            with create_session_factory(other_engine)() as other:
                pricing.price_transaction(other, tx.id, now=NOW)
                other.commit()
        return real_register_rows(session, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pricing, "register_rows", racing_register_rows)
    try:
        price = pricing.price_transaction(db, tx.id, now=utc(2026, 12, 1))
        db.commit()
    finally:
        other_engine.dispose()
    assert price.priced_at == NOW and price.total == D("0.72")  # 2 kWh × 0.30 + 20 %
    assert db.scalar(select(func.count()).select_from(SessionPrice)) == 1
