"""OCA OCPP 1.6 CSMS test cases, Reservation profile: ReserveNow (and its refusals),
CancelReservation, and the StartTransaction that consumes a reservation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chargegrid.domain.commands import CancelReservation, ReserveNow
from chargegrid.runtime import Runtime
from chargegrid.store.models import Transaction
from tests.helpers import RawStation
from tests.ocpp.conftest import roundtrip, start_tx, status


async def test_tc_046_reserve_connector_then_local_start(runtime: Runtime,
                                                         cp: RawStation) -> None:
    expiry = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=15)
    trip = await roundtrip(runtime, cp, ReserveNow(reservation_id=11, evse_id=1, id_tag="TAG1",
                                                   expiry=expiry), {"status": "Accepted"})
    assert trip.action == "ReserveNow"
    assert trip.payload == {"connectorId": 1, "expiryDate": expiry.strftime(
        "%Y-%m-%dT%H:%M:%S.000Z"), "idTag": "TAG1", "reservationId": 11}
    assert trip.record.outcome == "accepted"
    await status(cp, 1, "Reserved")
    started = await start_tx(cp, reservationId=11)
    assert started["idTagInfo"]["status"] == "Accepted"
    with runtime.sessions() as s:
        tx = s.get(Transaction, started["transactionId"])
        assert tx is not None and tx.reservation_id == 11


async def test_tc_049_reserve_charge_point(runtime: Runtime, cp: RawStation) -> None:
    """Connector 0 reserves the whole station (ReserveConnectorZeroSupported)."""
    trip = await roundtrip(runtime, cp, ReserveNow(reservation_id=12, evse_id=0, id_tag="TAG1",
                                                   expiry=datetime(2026, 9, 1, tzinfo=UTC)),
                           {"status": "Accepted"})
    assert trip.payload["connectorId"] == 0
    assert trip.payload["expiryDate"] == "2026-09-01T00:00:00.000Z"


async def test_tc_053_reserve_with_parent_id_tag(runtime: Runtime, cp: RawStation) -> None:
    trip = await roundtrip(runtime, cp, ReserveNow(reservation_id=13, evse_id=1, id_tag="TAG1",
                                                   expiry=datetime(2026, 9, 1, tzinfo=UTC),
                                                   parent_id_tag="FLEET"),
                           {"status": "Accepted"})
    assert trip.payload["parentIdTag"] == "FLEET"


@pytest.mark.parametrize(("case", "answer"), [("TC_048_1 faulted", "Faulted"),
                                              ("TC_048_2 occupied", "Occupied"),
                                              ("TC_048_3 unavailable", "Unavailable"),
                                              ("TC_048_4 rejected", "Rejected")])
async def test_tc_048_reservation_refused(runtime: Runtime, cp: RawStation, case: str,
                                          answer: str) -> None:
    trip = await roundtrip(runtime, cp, ReserveNow(reservation_id=14, evse_id=1, id_tag="TAG1",
                                                   expiry=datetime(2026, 9, 1, tzinfo=UTC)),
                           {"status": answer})
    assert trip.result.status == answer and trip.record.outcome == "rejected"


@pytest.mark.parametrize(("case", "answer", "outcome"), [
    ("TC_051 cancel reservation", "Accepted", "accepted"),
    ("TC_052 cancel reservation rejected", "Rejected", "rejected")])
async def test_tc_051_052_cancel_reservation(runtime: Runtime, cp: RawStation, case: str,
                                             answer: str, outcome: str) -> None:
    trip = await roundtrip(runtime, cp, CancelReservation(reservation_id=11), {"status": answer})
    assert (trip.action, trip.payload) == ("CancelReservation", {"reservationId": 11})
    assert trip.record.outcome == outcome
    if answer == "Accepted":
        await status(cp, 1, "Available")


async def test_reservation_rows_follow_the_stations_answers(runtime: Runtime,
                                                            cp: RawStation) -> None:
    """What the station holds is stored: reserved, refused, cancelled, used by a session."""
    from chargegrid.services import reservations
    from chargegrid.store.models import Reservation

    expiry = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=15)
    await roundtrip(runtime, cp, ReserveNow(reservation_id=21, evse_id=1, id_tag="TAG1",
                                            expiry=expiry), {"status": "Accepted"})
    await roundtrip(runtime, cp, ReserveNow(reservation_id=22, evse_id=1, id_tag="TAG1",
                                            expiry=expiry), {"status": "Occupied"})
    await roundtrip(runtime, cp, CancelReservation(reservation_id=21), {"status": "Rejected"})
    with runtime.sessions() as s:
        first, second = s.get(Reservation, 21), s.get(Reservation, 22)
        assert first is not None and (first.station_id, first.evse_id) == ("CP1", 1)
        assert first.status == "Accepted" and first.expires_at == expiry
        assert second is not None and second.status == "Occupied"
        assert reservations.status_at(first, expiry + timedelta(seconds=1)) == "Expired"
    started = await start_tx(cp, reservationId=21)
    with runtime.sessions() as s:
        used = s.get(Reservation, 21)
        assert used is not None and used.status == "Used"
        assert used.transaction_id == started["transactionId"]
    await roundtrip(runtime, cp, ReserveNow(reservation_id=23, evse_id=0, id_tag="TAG1",
                                            expiry=expiry), {"status": "Accepted"})
    await roundtrip(runtime, cp, CancelReservation(reservation_id=23), {"status": "Accepted"})
    with runtime.sessions() as s:
        cancelled = s.get(Reservation, 23)
        assert cancelled is not None and cancelled.status == "Cancelled"
