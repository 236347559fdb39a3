"""Modbus register maps as data, and the pure decoding of raw registers into numbers.

Device models are data, not code (evcc's `templates/definition/meter/*.yaml`): a new meter
is a JSON file in `maps/`, or an inline map in the site configuration, never a subclass.
Decoding is a pure function of the 16-bit words so it is tested without any socket.
"""

from __future__ import annotations

import json
import math
import struct
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from chargegrid.meters.errors import MeterConfigError
from chargegrid.meters.registry import describe

DataType = Literal["int16", "uint16", "int32", "uint32", "float32"]
WordOrder = Literal["big", "little"]
Table = Literal["input", "holding"]

_FORMATS: dict[str, str] = {
    "int16": ">h", "uint16": ">H", "int32": ">i", "uint32": ">I", "float32": ">f",
}

# The fields a map may define; the three currents are what load management needs.
CURRENT_FIELDS = ("current_l1", "current_l2", "current_l3")
OPTIONAL_FIELDS = ("power_w", "energy_wh")


class RegisterSpec(BaseModel):
    """Where one value lives and how to turn its words into SI units (A, W, Wh).

    `table`, `type` and `word_order` default to the map's; `scale` multiplies the raw
    number (e.g. 0.001 for mA, 1000 for a register in kWh).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    address: int = Field(ge=0, le=65535)
    type: DataType | None = None
    word_order: WordOrder | None = None
    table: Table | None = None
    scale: float = 1.0


class RegisterMap(BaseModel):
    """A meter model: defaults plus the register of each field we read."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    source: str = ""
    table: Table = "input"
    type: DataType = "float32"
    word_order: WordOrder = "big"
    fields: dict[str, RegisterSpec]

    @model_validator(mode="after")
    def _known_fields(self) -> RegisterMap:
        missing = [f for f in CURRENT_FIELDS if f not in self.fields]
        if missing:
            raise ValueError(f"fields: missing required {', '.join(missing)}")
        unknown = sorted(set(self.fields) - set(CURRENT_FIELDS) - set(OPTIONAL_FIELDS))
        if unknown:
            raise ValueError(f"fields: unknown field(s) {', '.join(unknown)}")
        return self

    def resolved(self, field: str) -> tuple[int, Table, DataType, WordOrder, float]:
        """(address, table, type, word order, scale) of a field, map defaults applied."""
        spec = self.fields[field]
        return (spec.address, spec.table or self.table, spec.type or self.type,
                spec.word_order or self.word_order, spec.scale)


def word_count(data_type: DataType) -> int:
    """How many 16-bit registers a value of this type spans."""
    return 1 if data_type in ("int16", "uint16") else 2


def decode(words: list[int], data_type: DataType, word_order: WordOrder, scale: float) -> float:
    """Turn raw registers into a scaled number; raises ValueError for bad or non-finite data.

    Bytes within a register are always big-endian (Modbus); only the order of the two words
    of a 32-bit value differs between vendors (Eastron: high word first; Carlo Gavazzi:
    low word first).
    """
    if len(words) != word_count(data_type):
        raise ValueError(f"{data_type} needs {word_count(data_type)} registers, got {len(words)}")
    if any(not 0 <= w <= 0xFFFF for w in words):
        raise ValueError("register values must be 16-bit")
    ordered = list(reversed(words)) if word_order == "little" else words
    raw = b"".join(w.to_bytes(2, "big") for w in ordered)
    (value,) = struct.unpack(_FORMATS[data_type], raw)
    result = float(value) * scale
    if not math.isfinite(result):
        raise ValueError(f"non-finite value {result}")
    return result


def encode(value: float, data_type: DataType, word_order: WordOrder,
           scale: float = 1.0) -> list[int]:
    """The inverse of `decode`; used by simulators and tests to fill a datastore."""
    raw_value: float | int = value / scale
    if data_type != "float32":
        raw_value = round(raw_value)
    packed = struct.pack(_FORMATS[data_type], raw_value)
    words = [int.from_bytes(packed[i:i + 2], "big") for i in range(0, len(packed), 2)]
    return list(reversed(words)) if word_order == "little" else words


def parse_register_map(data: Any, *, origin: str) -> RegisterMap:
    """Validate a map from JSON data; the error names the origin and the bad field."""
    try:
        return RegisterMap.model_validate(data)
    except ValidationError as err:
        raise MeterConfigError(f"register map {origin}: {describe(err, 'field')}") from err


def shipped_map_names() -> list[str]:
    """Names of the maps shipped in `chargegrid/meters/maps/` (file name without .json)."""
    folder = resources.files("chargegrid.meters").joinpath("maps")
    return sorted(p.name.removesuffix(".json") for p in folder.iterdir()
                  if p.name.endswith(".json"))


def load_shipped_map(name: str) -> RegisterMap:
    """Load a shipped map by name, e.g. "eastron-sdm630"."""
    if name not in shipped_map_names():
        raise MeterConfigError(
            f"option 'model': unknown register map {name!r} "
            f"(shipped: {', '.join(shipped_map_names())})")
    text = resources.files("chargegrid.meters").joinpath("maps", f"{name}.json").read_text()
    return parse_register_map(json.loads(text), origin=f"{name}.json")
