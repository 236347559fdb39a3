"""Request bodies and answers, checked against the protocol's own examples (annex 4.1)."""

from __future__ import annotations

import json

import pytest

from chargegrid.exports.advenir.payloads import (
    Answer,
    ExportFormat,
    OutgoingOperation,
    curve_body,
    encode,
    operation_body,
    parse_answer,
)

USER_ID = "a6d0e6cf-7cac-477a-ae63-7e753c5bdda1"

# The curl example of annex 4.1, verbatim.
SEED_EXAMPLE = """{ "a6d0e6cf-7cac-477a-ae63-7e753c5bdda1" :
{"R320": {"54545": {"StartTransaction": 1458293125,"StopTransaction": 1458293135,"StartValue":
1246,"StopValue": 4563},"54546": {"StartTransaction": 1459293125,"StopTransaction":
1468293135,"StartValue": 4666,"StopValue": 5773}},"1234": {"6565": {"StartTransaction":
1458303125,"StopTransaction": 1458403135,"StartValue": 21246,"StopValue": 24563}}}}"""


def test_operation_body_is_the_seed_example() -> None:
    ops = [
        OutgoingOperation("54545", "R320", 1458293125, 1458293135, 1246, 4563),
        OutgoingOperation("54546", "R320", 1459293125, 1468293135, 4666, 5773),
        OutgoingOperation("6565", "1234", 1458303125, 1458403135, 21246, 24563),
    ]
    built = operation_body(USER_ID, ops)
    assert built == json.loads(SEED_EXAMPLE)
    assert json.loads(encode(built)) == json.loads(SEED_EXAMPLE)


def test_curve_body_shape() -> None:
    op = OutgoingOperation("7", "R330", 1458293125, 1458293725, 2345, 2600,
                           curve=((1458293125, 2345), (1458293425, 2500), (1458293725, 2600)))
    assert curve_body(USER_ID, [op]) == {USER_ID: {"R330": {"7": [
        {"timestamp": 1458293125, "value": 2345},
        {"timestamp": 1458293425, "value": 2500},
        {"timestamp": 1458293725, "value": 2600},
    ]}}}


def test_curve_body_refuses_short_curves() -> None:
    op = OutgoingOperation("7", "R330", 1, 2, 3, 4, curve=((1, 3), (2, 4)))
    with pytest.raises(ValueError, match="at least 3"):
        curve_body(USER_ID, [op])


def test_endpoints() -> None:
    assert ExportFormat.COURBE.path == "/api/courbe/put"
    assert ExportFormat.OPERATION.path == "/api/operation/put"


@pytest.mark.parametrize(("raw", "expected"), [
    (b'{"statut": "OK"}', Answer.OK),
    (b'{"statut": "ECHEC"}', Answer.ECHEC),
    (b"{ 'statut' : ' ECHEC' }", Answer.ECHEC),  # as the annex writes it
    (b"{ 'statut' : 'OK' }", Answer.OK),
    (b'{"statut": "maybe"}', None),
    (b"<html>502</html>", None),
    (b"", None),
    (b'["OK"]', None),
])
def test_parse_answer(raw: bytes, expected: Answer | None) -> None:
    assert parse_answer(raw) is expected
