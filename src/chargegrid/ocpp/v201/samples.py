"""OCPP 2.0.1 `meterValue` arrays into domain samples.

2.0.1 values are numbers with an optional `unitOfMeasure` (unit, power-of-ten multiplier);
the multiplier is applied so a stored value means what its unit says, and a signed reading
keeps its signed data alongside the plain value.
"""

from __future__ import annotations

import json
from typing import Any

from chargegrid.domain.meter import (
    DEFAULT_CONTEXT,
    DEFAULT_LOCATION,
    DEFAULT_MEASURAND,
    DEFAULT_UNIT,
    Sample,
)
from chargegrid.domain.timestamps import parse_timestamp
from chargegrid.errors import InvalidInputError
from chargegrid.ocpp.errors import RpcError


def _value(raw: Any, multiplier: int) -> str:
    number = float(raw) * (10 ** multiplier) if multiplier else raw
    if isinstance(number, float) and number.is_integer():
        return str(int(number))
    return str(number)


def parse_meter_values(items: list[dict[str, Any]], field: str = "meterValue") -> list[Sample]:
    """Every sampled value of every meterValue entry, in order; a bad timestamp is a
    PropertyConstraintViolation naming the field."""
    samples: list[Sample] = []
    for i, entry in enumerate(items):
        try:
            when = parse_timestamp(entry.get("timestamp", ""), field=f"{field}[{i}].timestamp")
        except InvalidInputError as err:
            raise RpcError("PropertyConstraintViolation", err.message) from err
        for sampled in entry.get("sampledValue", []):
            unit = sampled.get("unitOfMeasure") or {}
            measurand = sampled.get("measurand", DEFAULT_MEASURAND)
            signed = sampled.get("signedMeterValue")
            samples.append(Sample(
                timestamp=when,
                value=_value(sampled["value"], int(unit.get("multiplier", 0))),
                measurand=measurand,
                phase=sampled.get("phase"),
                unit=unit.get("unit") or (DEFAULT_UNIT if measurand.startswith("Energy")
                                          else None),
                context=sampled.get("context", DEFAULT_CONTEXT),
                location=sampled.get("location", DEFAULT_LOCATION),
                signed_data=json.dumps(signed, separators=(",", ":")) if signed else None,
            ))
    return samples
