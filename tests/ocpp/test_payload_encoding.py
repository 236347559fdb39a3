"""to_payload gives exactly what the ocpp library's own serialisation gives."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from ocpp.charge_point import remove_nones, serialize_as_dict, snake_to_camel_case
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v16 import datatypes as dt16
from ocpp.v16 import enums as enums16
from ocpp.v201 import call as call201
from ocpp.v201 import datatypes as dt201

from chargegrid.domain.commands import ChargingProfile, SchedulePeriod, SetChargingProfile
from chargegrid.ocpp.payloads import camel, to_payload
from chargegrid.ocpp.v16.commands import encode
from chargegrid.ocpp.v16.commands import to_call as to_call16


def library(message: Any) -> Any:
    return snake_to_camel_case(remove_nones(serialize_as_dict(message)))


PROFILE = ChargingProfile(profile_id=9002, stack_level=5, purpose="TxProfile", kind="Absolute",
                          unit="A", start_schedule=datetime(2026, 11, 30, tzinfo=UTC),
                          valid_from=datetime(2026, 11, 30, tzinfo=UTC),
                          valid_to=datetime(2026, 11, 30, 0, 2, tzinfo=UTC), transaction_id=7,
                          periods=(SchedulePeriod(start_s=0, limit=15.9),
                                   SchedulePeriod(start_s=60, limit=6.0, number_phases=1)))

MESSAGES = [
    call16.SetChargingProfile(connector_id=1, cs_charging_profiles={
        "charging_profile_id": 1, "nested_list": [{"a_b": None, "c_d": 1}, None]}),
    call16.ChangeConfiguration(key="HeartbeatInterval", value="300"),
    call16.SendLocalList(list_version=3, update_type=enums16.UpdateType.full, local_authorization_list=[
        dt16.AuthorizationData(id_tag="A", id_tag_info=dt16.IdTagInfo(
            status=enums16.AuthorizationStatus.accepted, expiry_date=None)),
        dt16.AuthorizationData(id_tag="B")]),
    call16.DataTransfer(vendor_id="ACME", message_id=None, data="x"),
    result16.BootNotification(current_time="2026-11-30T00:00:00Z", interval=300,
                              status=enums16.RegistrationStatus.accepted),
    result16.StartTransaction(transaction_id=3, id_tag_info={"status": "Accepted",
                                                             "parent_id_tag": None}),
    call201.SetVariables(set_variable_data=[dt201.SetVariableDataType(
        attribute_value="1", component=dt201.ComponentType(name="OCPPCommCtrlr"),
        variable=dt201.VariableType(name="HeartbeatInterval"))]),
    call201.GetReport(request_id=1, component_variable=None),
]


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: type(m).__name__)
def test_same_as_the_library(message: Any) -> None:
    assert to_payload(message) == library(message)


def test_set_charging_profile_as_sent() -> None:
    action, payload = to_call16(SetChargingProfile(1, PROFILE))
    assert action == "SetChargingProfile"
    assert payload == library(encode(SetChargingProfile(1, PROFILE)))
    assert payload["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"][1] == {
        "startPeriod": 60, "limit": 6.0, "numberPhases": 1}


def test_key_spelling_keeps_the_library_special_cases() -> None:
    assert camel("ocpp_csms_url") == "ocppCsmsUrl"
    assert camel("soc_limit_reached") == next(iter(snake_to_camel_case({"soc_limit_reached": 1})))
    assert camel("connector_id") == "connectorId"
