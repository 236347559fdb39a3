"""Pure register decoding: data types, word orders, scales, bad data."""

from __future__ import annotations

import math
import struct

import pytest

from chargegrid.meters import MeterConfigError
from chargegrid.meters.registermap import (
    decode,
    encode,
    parse_register_map,
    shipped_map_names,
    word_count,
)


@pytest.mark.parametrize("words, data_type, order, scale, expected", [
    ([0x4148, 0x0000], "float32", "big", 1.0, 12.5),       # Eastron: high word first
    ([0x0000, 0x4148], "float32", "little", 1.0, 12.5),    # same value, low word first
    ([0x3F80, 0x0000], "float32", "big", 1000.0, 1000.0),  # kWh -> Wh
    ([0x3F7A, 0x0000], "int32", "little", 0.001, 0x3F7A / 1000),  # EM24 A x1000, LSW first
    ([0x0000, 0x3F7A], "int32", "big", 0.001, 0x3F7A / 1000),
    ([0xFFFF, 0xFFFE], "int32", "big", 1.0, -2.0),
    ([0xFFFE, 0xFFFF], "int32", "little", 1.0, -2.0),
    ([0xFFFF, 0xFFFE], "uint32", "big", 1.0, 4294967294.0),
    ([0xFFFB], "int16", "big", 0.1, -0.5),
    ([0xFFFB], "uint16", "big", 1.0, 65531.0),
])
def test_decode(words: list[int], data_type: str, order: str, scale: float,
                expected: float) -> None:
    assert decode(words, data_type, order, scale) == pytest.approx(expected)  # type: ignore[arg-type]


@pytest.mark.parametrize("data_type", ["int16", "uint16", "int32", "uint32", "float32"])
@pytest.mark.parametrize("order", ["big", "little"])
def test_encode_decode_round_trip(data_type: str, order: str) -> None:
    words = encode(42.0, data_type, order, 0.5)  # type: ignore[arg-type]
    assert len(words) == word_count(data_type)  # type: ignore[arg-type]
    assert decode(words, data_type, order, 0.5) == pytest.approx(42.0)  # type: ignore[arg-type]


def test_decode_rejects_wrong_length_and_non_finite() -> None:
    with pytest.raises(ValueError, match="needs 2 registers"):
        decode([1], "float32", "big", 1.0)
    nan_words = [int.from_bytes(struct.pack(">f", math.nan)[i:i + 2], "big") for i in (0, 2)]
    with pytest.raises(ValueError, match="non-finite"):
        decode(nan_words, "float32", "big", 1.0)
    with pytest.raises(ValueError, match="16-bit"):
        decode([70000], "uint16", "big", 1.0)


def test_map_validation_names_the_problem() -> None:
    with pytest.raises(MeterConfigError, match=r"register map x\.json: field .*unknown field\(s\) voltage_l1"):
        parse_register_map({"name": "x", "fields": {
            "current_l1": {"address": 0}, "current_l2": {"address": 2},
            "current_l3": {"address": 4}, "voltage_l1": {"address": 6}}}, origin="x.json")
    with pytest.raises(MeterConfigError, match="word_order"):
        parse_register_map({"name": "x", "word_order": "middle", "fields": {}}, origin="x.json")


def test_at_least_two_common_meters_ship() -> None:
    assert {"eastron-sdm630", "carlo-gavazzi-em24"} <= set(shipped_map_names())
