"""The demo's preparation: an admin token, demo cards and a priced tariff, all idempotent
(the demo database is reused across runs)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from chargegrid.cli.demo import DEMO_TAGS, DEMO_TARIFF, prepare
from chargegrid.runtime import Runtime
from chargegrid.services import id_tokens, tariffs
from tests.helpers import seed


def test_prepare_twice_gives_one_tariff_that_prices_every_station(runtime: Runtime) -> None:
    seed(runtime, station_ids=("DEMO-001",), tokens={})
    first, second = prepare(runtime), prepare(runtime)
    assert first != second and first.startswith("cg_")
    with runtime.sessions() as s:
        assert all(id_tokens.get_by_token(s, token=t) is not None for t in DEMO_TAGS)
        names = [t.name for t in tariffs.list_tariffs(s, organisation_id=1)]
        assert names == [DEMO_TARIFF]
        noon = tariffs.price_summary_for(s, "DEMO-001", datetime(2026, 12, 1, 11, tzinfo=UTC))
        night = tariffs.price_summary_for(s, "DEMO-001", datetime(2026, 12, 1, 22, tzinfo=UTC))
    assert noon is not None and night is not None
    assert (noon.currency, noon.energy_per_kwh, noon.session_fee, noon.vat_rate) == (
        "EUR", Decimal("0.35"), Decimal("1.00"), Decimal("0.20"))
    assert night.energy_per_kwh == Decimal("0.22")  # 23:00 in Paris: off-peak
