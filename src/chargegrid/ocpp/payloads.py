"""Between OCPP's camelCase JSON and the `ocpp` library's snake_case dataclasses.

Incoming payloads: only the top-level keys become keyword arguments (cached, it is the hot
path); nested objects stay exactly as received, camelCase. Outgoing: what the library's own
serialisation gives (`serialize_as_dict`, `remove_nones`, `snake_to_camel_case`), in one walk
with the key spelling cached: the library deep-copies every message twice over and applies
its key rules by regex to every key of every message, which at 1,000 SetChargingProfiles a
cycle was a tenth of the server's CPU. A message holding a tuple (none of the library's do)
takes the library's path, whose handling of tuples this walk does not copy.
"""

from __future__ import annotations

import re
from dataclasses import fields, is_dataclass
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
    try:
        result = _plain(dataclass_instance)
    except _TupleFound:
        result = snake_to_camel_case(remove_nones(serialize_as_dict(dataclass_instance)))
    assert isinstance(result, dict)
    return result


class _TupleFound(Exception):
    pass


@cache
def camel(key: str) -> str:
    """The library's camelCase spelling of a snake_case key (its special cases included)."""
    return str(next(iter(snake_to_camel_case({key: None}))))


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(item) for item in value if item is not None]
    if isinstance(value, dict):
        return {camel(k): _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, tuple):
        raise _TupleFound
    if is_dataclass(value) and not isinstance(value, type):
        out = {}
        for f in fields(value):
            item = getattr(value, f.name)
            if item is not None:
                out[camel(f.name)] = _plain(item)
        return out
    return value
