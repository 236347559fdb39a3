"""Between OCPP's camelCase JSON and the `ocpp` library's snake_case dataclasses.

Incoming payloads: only the top-level keys become keyword arguments (cached, it is the hot
path); nested objects stay exactly as received, camelCase. Outgoing: the library's own
serialisation of its dataclasses.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from ocpp.charge_point import remove_nones, serialize_as_dict, snake_to_camel_case

_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


@cache
def snake(key: str) -> str:
    return _BOUNDARY.sub("_", key).lower()


def as_kwargs(payload: dict[str, Any]) -> dict[str, Any]:
    return {snake(k): v for k, v in payload.items()}


def to_payload(dataclass_instance: Any) -> dict[str, Any]:
    """A library dataclass as the camelCase JSON object OCPP expects (None fields dropped)."""
    result = snake_to_camel_case(remove_nones(serialize_as_dict(dataclass_instance)))
    assert isinstance(result, dict)
    return result
