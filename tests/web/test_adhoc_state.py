"""The ad-hoc session's state machine and price arithmetic, on the database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chargegrid.errors import ConflictError, InvalidInputError
from chargegrid.runtime import Runtime
from chargegrid.services import adhoc
from chargegrid.store.models import Connector, Station
from chargegrid.store.models.adhoc import ADHOC_TRANSITIONS, AdhocState
from tests.web.conftest import PRICE


def test_price_arithmetic_is_decimal_and_rounded_half_up() -> None:
    cost = PRICE.cost(energy_wh=12_345, duration_s=1800)
    # 0.50 + 12.345 × 0.40 + 0.5 × 1.20 = 6.038 → 6.04 net; VAT 1.208 → 1.21
    assert cost == adhoc.Cost(net=Decimal("6.04"), vat=Decimal("1.21"),
                              gross=Decimal("7.25"))
    assert adhoc.AdhocPrice.from_json(PRICE.to_json()) == PRICE


def test_every_state_can_only_move_forward() -> None:
    assert ADHOC_TRANSITIONS[AdhocState.FINISHED] == frozenset()
    assert ADHOC_TRANSITIONS[AdhocState.FAILED] == frozenset()
    assert AdhocState.FAILED not in ADHOC_TRANSITIONS[AdhocState.CHARGING]  # money taken
    for state, nexts in ADHOC_TRANSITIONS.items():
        assert state not in nexts


@pytest.mark.parametrize("email", ["", "a", "a@b", "a b@example.org", "@example.org"])
def test_bad_emails_are_refused(email: str) -> None:
    with pytest.raises(InvalidInputError, match="email"):
        adhoc.validate_email(email)


def test_transitions_are_guarded_and_compare_and_set(runtime: Runtime) -> None:
    now = runtime.clock.now()
    with runtime.sessions() as s:
        s.add(Station(id="QR9", connected=True, created_at=now))
        s.flush()
        s.add(Connector(station_id="QR9", evse_id=1, connector_id=1, status="Available"))
        row = adhoc.create(s, station_id="QR9", evse_id=1, email=" d@example.org ",
                           price=PRICE, hold=Decimal("30"), provider="test", now=now)
        assert row.email == "d@example.org" and row.amount_held == Decimal("30.00")
        assert len(row.token) >= 32 and len(row.id_tag) == 20
        with pytest.raises(ConflictError, match="from created to charging"):
            adhoc.advance(s, row=row, to=AdhocState.CHARGING, now=now)
        assert adhoc.advance(s, row=row, to=AdhocState.AUTHORISED, now=now)
        # A second connector request while this one is open is refused.
        with pytest.raises(ConflictError, match="Another driver"):
            adhoc.create(s, station_id="QR9", evse_id=1, email="e@example.org", price=PRICE,
                         hold=Decimal("30"), provider="test", now=now)
        s.commit()
        stale = adhoc.get_by_token_or_raise(s, token=row.token)
        s.expunge(stale)
    with runtime.sessions() as s:
        fresh = adhoc.get_by_token_or_raise(s, token=row.token)
        assert adhoc.advance(s, row=fresh, to=AdhocState.STARTING, now=now)
        s.commit()
    with runtime.sessions() as s:
        stale = s.merge(stale, load=False)  # still thinks "authorised"
        assert stale.state == "authorised"
        assert adhoc.advance(s, row=stale, to=AdhocState.FAILED, now=now) is False
        assert stale.state == "starting"  # someone else moved it first: nothing changed
