"""What differs between OCPP-J versions at the RPC level: error-code spellings, schema file
names and the set of actions the version defines."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Dialect:
    version: str
    subprotocol: str
    schema_package: str
    request_schema_suffix: str
    format_violation: str
    occurrence_violation: str
    unknown_message_type: str
    actions: frozenset[str]


def v16_dialect() -> Dialect:
    from ocpp.v16.enums import Action

    return Dialect(
        version="1.6", subprotocol="ocpp1.6", schema_package="v16", request_schema_suffix="",
        format_violation="FormationViolation",
        occurrence_violation="OccurenceConstraintViolation",
        unknown_message_type="ProtocolError",
        actions=frozenset(a.value for a in Action),
    )


def v201_dialect() -> Dialect:
    from ocpp.v201.enums import Action

    return Dialect(
        version="2.0.1", subprotocol="ocpp2.0.1", schema_package="v201",
        request_schema_suffix="Request",
        format_violation="FormatViolation",
        occurrence_violation="OccurrenceConstraintViolation",
        unknown_message_type="MessageTypeNotSupported",
        actions=frozenset(a.value for a in Action),
    )
