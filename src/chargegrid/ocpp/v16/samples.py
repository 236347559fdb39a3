"""OCPP 1.6 `meterValue` arrays into domain samples, keeping every field as received."""

from __future__ import annotations

from typing import Any

from chargegrid.domain.meter import (
    DEFAULT_CONTEXT,
    DEFAULT_FORMAT,
    DEFAULT_LOCATION,
    DEFAULT_MEASURAND,
    Sample,
)
from chargegrid.domain.timestamps import parse_timestamp
from chargegrid.ocpp.errors import RpcError


def parse_meter_values(items: list[dict[str, Any]], field: str = "meterValue") -> list[Sample]:
    """Every sampled value of every meterValue entry, in order; a bad timestamp is a
    PropertyConstraintViolation naming the field."""
    samples: list[Sample] = []
    for i, entry in enumerate(items):
        raw_time = entry.get("timestamp", "")
        try:
            when = parse_timestamp(raw_time, field=f"{field}[{i}].timestamp")
        except Exception as err:
            raise RpcError("PropertyConstraintViolation", str(err)) from err
        for sampled in entry.get("sampledValue", []):
            samples.append(Sample(
                timestamp=when,
                value=str(sampled["value"]),
                measurand=sampled.get("measurand", DEFAULT_MEASURAND),
                phase=sampled.get("phase"),
                unit=sampled.get("unit"),
                context=sampled.get("context", DEFAULT_CONTEXT),
                location=sampled.get("location", DEFAULT_LOCATION),
                format=sampled.get("format", DEFAULT_FORMAT),
                signed_data=sampled["value"] if sampled.get("format") == "SignedData" else None,
            ))
    return samples


def phase_currents(samples: list[Sample]) -> dict[str, float]:
    """Current.Import per station phase (L1..L3) from the newest sample of each phase."""
    currents: dict[str, float] = {}
    for sample in samples:
        if sample.measurand != "Current.Import" or sample.numeric is None:
            continue
        phase = (sample.phase or "L1").split("-")[0]
        if phase in {"L1", "L2", "L3"}:
            currents[phase] = sample.numeric
    return currents
