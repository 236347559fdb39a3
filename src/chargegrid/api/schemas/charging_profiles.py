"""Charging profiles as the API takes them (shared by remote start and set-charging-profile),
checked the way a station would check them."""

from __future__ import annotations

from itertools import pairwise
from typing import Literal, Self

from pydantic import Field, model_validator

from chargegrid.api.schemas.common import AwareUtcDatetime, WriteModel
from chargegrid.domain import commands as cmd

Purpose = Literal["ChargePointMaxProfile", "TxDefaultProfile", "TxProfile"]
RateUnit = Literal["A", "W"]


class SchedulePeriodCreate(WriteModel):
    start_s: int = Field(ge=0, description="Seconds from the schedule's start.")
    limit: float = Field(ge=0, le=1_000_000, description="In the profile's unit (A or W).")
    number_phases: int | None = Field(default=None, ge=1, le=3)


class ChargingProfileCreate(WriteModel):
    profile_id: int = Field(ge=1)
    stack_level: int = Field(ge=0, le=100)
    purpose: Purpose
    kind: Literal["Absolute", "Recurring", "Relative"]
    unit: RateUnit
    periods: list[SchedulePeriodCreate] = Field(min_length=1, max_length=48)
    recurrency: Literal["Daily", "Weekly"] | None = None
    valid_from: AwareUtcDatetime | None = None
    valid_to: AwareUtcDatetime | None = None
    start_schedule: AwareUtcDatetime | None = None
    duration_s: int | None = Field(default=None, ge=1)
    min_rate: float | None = Field(default=None, ge=0)
    transaction_id: int | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        starts = [p.start_s for p in self.periods]
        if starts[0] != 0 or any(b <= a for a, b in pairwise(starts)):
            raise ValueError("periods: start_s must begin at 0 and strictly increase")
        if (self.kind == "Recurring") != (self.recurrency is not None):
            raise ValueError("recurrency: required exactly when kind is Recurring")
        if self.transaction_id is not None and self.purpose != "TxProfile":
            raise ValueError("transaction_id: only a TxProfile names a transaction")
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            raise ValueError("valid_to: must be after valid_from")
        return self

    def to_profile(self) -> cmd.ChargingProfile:
        return cmd.ChargingProfile(
            profile_id=self.profile_id, stack_level=self.stack_level, purpose=self.purpose,
            kind=self.kind, unit=self.unit,
            periods=tuple(cmd.SchedulePeriod(p.start_s, p.limit, p.number_phases)
                          for p in self.periods),
            recurrency=self.recurrency, valid_from=self.valid_from, valid_to=self.valid_to,
            start_schedule=self.start_schedule, duration_s=self.duration_s,
            min_rate=self.min_rate, transaction_id=self.transaction_id,
        )
