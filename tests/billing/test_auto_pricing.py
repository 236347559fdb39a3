"""A session ended over OCPP is priced right after, off the charger's answer path."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from chargegrid.api.app import create_app
from chargegrid.runtime import Runtime
from chargegrid.services import pricing
from tests.billing.conftest import simple_tariff
from tests.helpers import RawStation, seed
from tests.ocpp.conftest import boot, start_tx, stop_tx


async def test_stop_transaction_gets_priced(runtime: Runtime, ocpp_url: str) -> None:
    app = create_app(runtime)
    seed(runtime, tokens={"TAG1": "Accepted"})
    with runtime.sessions() as db:
        simple_tariff(db, energy="0.30")
        db.commit()
    cp = await RawStation.connect(f"{ocpp_url}/CP1")
    try:
        await boot(cp)
        started = await start_tx(cp, meter=1000, at=datetime(2026, 10, 1, 8, tzinfo=UTC))
        tx_id = started["transactionId"]
        await stop_tx(cp, tx_id, meter=6000, at=datetime(2026, 10, 1, 9, tzinfo=UTC))
    finally:
        await cp.ws.close()
    await app.state.auto_pricer.drain()
    with runtime.sessions() as db:
        price = pricing.get_or_raise(db, transaction_id=tx_id)
        # 5 kWh × 0.30 = 1.50 net, 20 % VAT
        assert (price.energy_kwh, price.net, price.total) == (Decimal("5.0000"),
                                                              Decimal("1.5000"),
                                                              Decimal("1.8000"))
