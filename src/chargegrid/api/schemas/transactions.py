"""Transactions (charging sessions) with their energy, and the raw meter samples."""

from __future__ import annotations

from typing import Literal

from chargegrid.api.schemas.common import ReadModel, UtcDatetime

TransactionStateName = Literal["active", "ended"]


class TransactionRead(ReadModel):
    """`energy_wh` is meter_stop − meter_start (null while active); `energy_mismatch` flags
    a session whose meter samples disagree with it (billing must look at it)."""

    id: int
    uid: str
    station_id: str
    evse_id: int
    connector_id: int
    id_tag: str | None
    auth_status: str | None
    stop_id_tag: str | None
    state: str
    started_at: UtcDatetime
    stopped_at: UtcDatetime | None
    meter_start_wh: int | None
    meter_stop_wh: int | None
    energy_wh: int | None
    meter_values_energy_wh: float | None
    energy_mismatch: bool
    stop_reason: str | None
    reservation_id: int | None


class MeterValueRead(ReadModel):
    """One sampled value exactly as the station sent it (`value` is the raw string)."""

    id: int
    station_id: str
    evse_id: int
    connector_id: int
    transaction_id: int | None
    timestamp: UtcDatetime
    value: str
    value_number: float | None
    measurand: str
    phase: str | None
    unit: str | None
    context: str
    location: str
    format: str
    signed_data: str | None
    received_at: UtcDatetime
