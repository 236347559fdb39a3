"""Payload validation with compiled validators over the `ocpp` library's own JSON schemas.

The library validates with `jsonschema` in a worker thread, which costs more than half of a
message's budget; compiling the same schemas with fastjsonschema keeps validation strict
and cheap. Errors map to the OCPP-J error codes of the dialect.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

import fastjsonschema

from chargegrid.domain.timestamps import parse_timestamp
from chargegrid.errors import InvalidInputError
from chargegrid.ocpp.dialect import Dialect
from chargegrid.ocpp.errors import RpcError

Validator = Callable[[Any], Any]
# OCPP integers are 32-bit signed; connector ids are never negative (1.6: connectorId >= 0).
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def _is_timestamp(value: str) -> bool:
    try:
        parse_timestamp(value)
    except InvalidInputError:
        return False
    return True


@cache
def _compiled(schema_package: str, name: str) -> Validator | None:
    try:
        text = (resources.files("ocpp") / schema_package / "schemas" / f"{name}.json").read_text(
            encoding="utf-8-sig"
        )
    except FileNotFoundError:
        return None
    schema = json.loads(text)
    schema.pop("$schema", None)
    _bound_integers(schema)
    return fastjsonschema.compile(schema, formats={"date-time": _is_timestamp, "uri": r".*"})


def _bound_integers(node: Any) -> None:
    """Give every integer in the schema OCPP's 32-bit range (and connectorId its floor of 0):
    out-of-range values are then a PropertyConstraintViolation, instead of a database error
    on PostgreSQL (InternalError) and a stored absurd value on SQLite."""
    if isinstance(node, dict):
        if node.get("type") == "integer":
            node.setdefault("minimum", INT32_MIN)
            node.setdefault("maximum", INT32_MAX)
        connector = node.get("properties", {}).get("connectorId")
        if isinstance(connector, dict) and connector.get("type") == "integer":
            connector.setdefault("minimum", 0)
        for value in node.values():
            _bound_integers(value)
    elif isinstance(node, list):
        for item in node:
            _bound_integers(item)


def request_validator(dialect: Dialect, action: str) -> Validator | None:
    return _compiled(dialect.schema_package, action + dialect.request_schema_suffix)


def validate_request(dialect: Dialect, action: str, payload: Any) -> None:
    """Raise the RpcError a receiver must answer with when `payload` breaks the schema."""
    validator = request_validator(dialect, action)
    if validator is None:
        return
    try:
        validator(payload)
    except fastjsonschema.JsonSchemaValueException as err:
        raise RpcError(_code_for(dialect, err.rule), _describe(err)) from err


def _code_for(dialect: Dialect, rule: str | None) -> str:
    if rule == "required":
        return dialect.occurrence_violation
    if rule == "type":
        return "TypeConstraintViolation"
    if rule in {"additionalProperties", "minItems", "maxItems"}:
        return dialect.format_violation
    return "PropertyConstraintViolation"


def _describe(err: fastjsonschema.JsonSchemaValueException) -> str:
    return err.message.replace("data.", "", 1).replace("data ", "payload ", 1)[:255]
