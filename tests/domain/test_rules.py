from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chargegrid.domain.id_tokens import AuthorizationStatus, decide
from chargegrid.domain.meter import Sample, energy_wh
from chargegrid.domain.transactions import energy_between

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_energy_is_stop_minus_start_never_negative() -> None:
    assert energy_between(1_000, 3_500) == 2_500
    assert energy_between(3_500, 1_000) == 0  # meter reset/swap: flagged by the caller


def test_energy_register_units() -> None:
    assert energy_wh(Sample(NOW, "12.5", unit="kWh")) == 12_500.0
    assert energy_wh(Sample(NOW, "800")) == 800.0  # Wh is the default unit
    assert energy_wh(Sample(NOW, "800", phase="L1")) is None  # per-phase register
    assert energy_wh(Sample(NOW, "abc")) is None
    assert energy_wh(Sample(NOW, "16", measurand="Current.Import", unit="A")) is None


def test_token_decisions() -> None:
    assert decide(stored_status=None, expires_at=None, parent_id_tag=None,
                  now=NOW).status is AuthorizationStatus.INVALID
    expired = decide(stored_status="Accepted", expires_at=NOW - timedelta(seconds=1),
                     parent_id_tag=None, now=NOW)
    assert expired.status is AuthorizationStatus.EXPIRED
    valid = decide(stored_status="Accepted", expires_at=NOW + timedelta(days=1),
                   parent_id_tag="GROUP", now=NOW)
    assert (valid.status, valid.parent_id_tag) == (AuthorizationStatus.ACCEPTED, "GROUP")
    assert decide(stored_status="Blocked", expires_at=None, parent_id_tag=None,
                  now=NOW).status is AuthorizationStatus.BLOCKED
