"""OCA OCPP 1.6 CSMS test cases, Smart Charging profile: SetChargingProfile
(TxDefaultProfile, TxProfile, ChargePointMaxProfile), RemoteStart with a profile,
ClearChargingProfile and GetCompositeSchedule."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chargegrid.domain.commands import (
    ChargingProfile,
    ClearChargingProfile,
    GetCompositeSchedule,
    RemoteStart,
    SchedulePeriod,
    SetChargingProfile,
)
from chargegrid.runtime import Runtime
from tests.helpers import RawStation
from tests.ocpp.conftest import roundtrip, start_tx

START = datetime(2026, 7, 1, 6, 0, tzinfo=UTC)


def _profile(purpose: str, *, profile_id: int = 1, stack: int = 0, kind: str = "Absolute",
             tx: int | None = None, unit: str = "A") -> ChargingProfile:
    return ChargingProfile(
        profile_id=profile_id, stack_level=stack, purpose=purpose,  # type: ignore[arg-type]
        kind=kind, unit=unit,  # type: ignore[arg-type]
        periods=(SchedulePeriod(0, 16.04), SchedulePeriod(3600, 10.0, number_phases=3)),
        start_schedule=START if kind == "Absolute" else None, transaction_id=tx,
        valid_from=START, valid_to=datetime(2026, 7, 2, tzinfo=UTC), duration_s=7200)


def _schedule_periods(payload: dict[str, object]) -> object:
    profile = payload["csChargingProfiles"]
    assert isinstance(profile, dict)
    return profile["chargingSchedule"]["chargingSchedulePeriod"]


async def test_tc_056_tx_default_profile(runtime: Runtime, cp: RawStation) -> None:
    trip = await roundtrip(runtime, cp, SetChargingProfile(evse_id=0, profile=_profile(
        "TxDefaultProfile", stack=1)), {"status": "Accepted"})
    assert trip.action == "SetChargingProfile"
    assert trip.payload["connectorId"] == 0
    profile = trip.payload["csChargingProfiles"]
    assert profile["chargingProfileId"] == 1 and profile["stackLevel"] == 1
    assert profile["chargingProfilePurpose"] == "TxDefaultProfile"
    assert profile["chargingProfileKind"] == "Absolute"
    assert profile["validFrom"] == "2026-07-01T06:00:00.000Z"
    assert profile["validTo"] == "2026-07-02T00:00:00.000Z"
    schedule = profile["chargingSchedule"]
    assert schedule["chargingRateUnit"] == "A" and schedule["duration"] == 7200
    assert schedule["startSchedule"] == "2026-07-01T06:00:00.000Z"
    # OCPP 1.6 limits carry one decimal at most.
    assert schedule["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 16.0},
        {"startPeriod": 3600, "limit": 10.0, "numberPhases": 3}]
    assert "transactionId" not in profile
    assert trip.record.outcome == "accepted"


async def test_tc_057_tx_profile(runtime: Runtime, cp: RawStation) -> None:
    tx_id = (await start_tx(cp))["transactionId"]
    trip = await roundtrip(runtime, cp, SetChargingProfile(evse_id=1, profile=_profile(
        "TxProfile", profile_id=2, kind="Relative", tx=tx_id)), {"status": "Accepted"})
    profile = trip.payload["csChargingProfiles"]
    assert trip.payload["connectorId"] == 1
    assert profile["transactionId"] == tx_id and profile["chargingProfileKind"] == "Relative"
    assert "startSchedule" not in profile["chargingSchedule"]
    assert trip.record.outcome == "accepted"


async def test_tc_058_tx_profile_without_transaction_rejected(runtime: Runtime,
                                                              cp: RawStation) -> None:
    trip = await roundtrip(runtime, cp, SetChargingProfile(evse_id=1, profile=_profile(
        "TxProfile", profile_id=3)), {"status": "Rejected"})
    assert trip.result.status == "Rejected" and trip.record.outcome == "rejected"


async def test_charge_point_max_profile(runtime: Runtime, cp: RawStation) -> None:
    trip = await roundtrip(runtime, cp, SetChargingProfile(evse_id=0, profile=_profile(
        "ChargePointMaxProfile", profile_id=4, unit="W")), {"status": "Accepted"})
    profile = trip.payload["csChargingProfiles"]
    assert profile["chargingProfilePurpose"] == "ChargePointMaxProfile"
    assert profile["chargingSchedule"]["chargingRateUnit"] == "W"
    assert trip.record.outcome == "accepted"


async def test_recurring_profile(runtime: Runtime, cp: RawStation) -> None:
    recurring = ChargingProfile(profile_id=5, stack_level=2, purpose="TxDefaultProfile",
                                kind="Recurring", recurrency="Daily", unit="A",
                                start_schedule=START, periods=(SchedulePeriod(0, 32),))
    trip = await roundtrip(runtime, cp, SetChargingProfile(evse_id=0, profile=recurring),
                           {"status": "NotSupported"})
    assert trip.payload["csChargingProfiles"]["recurrencyKind"] == "Daily"
    assert trip.record.outcome == "rejected"


async def test_tc_059_remote_start_with_charging_profile(runtime: Runtime,
                                                         cp: RawStation) -> None:
    trip = await roundtrip(runtime, cp, RemoteStart(id_tag="TAG1", evse_id=1,
                                                    charging_profile=_profile(
                                                        "TxProfile", profile_id=6,
                                                        kind="Relative")),
                           {"status": "Accepted"})
    assert trip.action == "RemoteStartTransaction"
    assert trip.payload["chargingProfile"]["chargingProfilePurpose"] == "TxProfile"
    assert trip.payload["chargingProfile"]["chargingProfileId"] == 6
    assert trip.record.outcome == "accepted"


@pytest.mark.parametrize(("command", "payload", "answer", "outcome"), [
    (ClearChargingProfile(profile_id=1), {"id": 1}, "Accepted", "accepted"),
    (ClearChargingProfile(evse_id=1, purpose="TxDefaultProfile", stack_level=0),
     {"connectorId": 1, "chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 0},
     "Accepted", "accepted"),
    (ClearChargingProfile(), {}, "Unknown", "rejected"),
])
async def test_tc_067_clear_charging_profile(runtime: Runtime, cp: RawStation,
                                             command: ClearChargingProfile,
                                             payload: dict[str, object], answer: str,
                                             outcome: str) -> None:
    trip = await roundtrip(runtime, cp, command, {"status": answer})
    assert (trip.action, trip.payload) == ("ClearChargingProfile", payload)
    assert trip.record.outcome == outcome


async def test_tc_066_get_composite_schedule(runtime: Runtime, cp: RawStation) -> None:
    schedule = {"chargingRateUnit": "A", "duration": 3600,
                "startSchedule": "2026-07-01T06:00:00Z",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0},
                                           {"startPeriod": 1800, "limit": 8.0}]}
    trip = await roundtrip(runtime, cp, GetCompositeSchedule(evse_id=1, duration_s=3600,
                                                             unit="A"),
                           {"status": "Accepted", "connectorId": 1,
                            "scheduleStart": "2026-07-01T06:00:00Z",
                            "chargingSchedule": schedule})
    assert (trip.action, trip.payload) == ("GetCompositeSchedule", {
        "connectorId": 1, "duration": 3600, "chargingRateUnit": "A"})
    assert trip.result.status == "Accepted"
    assert trip.result.data["charging_schedule"] == schedule
    assert trip.record.outcome == "accepted"
    assert trip.record.response is not None
    assert trip.record.response["data"]["connector_id"] == 1
    refused = await roundtrip(runtime, cp, GetCompositeSchedule(evse_id=7, duration_s=60),
                              {"status": "Rejected"})
    assert refused.payload == {"connectorId": 7, "duration": 60}
    assert refused.record.outcome == "rejected"
