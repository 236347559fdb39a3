"""OCA OCPP 1.6 CSMS test cases, Local Auth List Management profile: GetLocalListVersion
and SendLocalList (Full and Differential, with its answers)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chargegrid.domain.commands import GetLocalListVersion, LocalListEntry, SendLocalList
from chargegrid.runtime import Runtime
from tests.helpers import RawStation
from tests.ocpp.conftest import roundtrip


@pytest.mark.parametrize(("case", "version"), [("TC_042_1 not supported", -1),
                                               ("TC_042_2 empty", 0),
                                               ("after an update", 7)])
async def test_tc_042_get_local_list_version(runtime: Runtime, cp: RawStation, case: str,
                                             version: int) -> None:
    trip = await roundtrip(runtime, cp, GetLocalListVersion(), {"listVersion": version})
    assert (trip.action, trip.payload) == ("GetLocalListVersion", {})
    assert trip.result.data == {"list_version": version}
    assert trip.record.outcome == "accepted"


async def test_tc_043_send_local_list_full(runtime: Runtime, cp: RawStation) -> None:
    entries = (LocalListEntry("TAG1", "Accepted"),
               LocalListEntry("TAG2", "Blocked"),
               LocalListEntry("TAG3", "Accepted", expiry=datetime(2027, 1, 1, tzinfo=UTC),
                              parent_id_tag="FLEET"))
    trip = await roundtrip(runtime, cp, SendLocalList(version=1, update_type="Full",
                                                      entries=entries),
                           {"status": "Accepted"})
    assert trip.action == "SendLocalList"
    assert trip.payload == {"listVersion": 1, "updateType": "Full", "localAuthorizationList": [
        {"idTag": "TAG1", "idTagInfo": {"status": "Accepted"}},
        {"idTag": "TAG2", "idTagInfo": {"status": "Blocked"}},
        {"idTag": "TAG3", "idTagInfo": {"status": "Accepted",
                                        "expiryDate": "2027-01-01T00:00:00.000Z",
                                        "parentIdTag": "FLEET"}}]}
    assert trip.record.outcome == "accepted"


async def test_tc_043_send_local_list_differential(runtime: Runtime, cp: RawStation) -> None:
    # An entry without idTagInfo removes the tag from the station's list.
    trip = await roundtrip(runtime, cp, SendLocalList(
        version=2, update_type="Differential",
        entries=(LocalListEntry("TAG4", "Accepted"), LocalListEntry("TAG2"))),
        {"status": "Accepted"})
    assert trip.payload == {"listVersion": 2, "updateType": "Differential",
                            "localAuthorizationList": [
                                {"idTag": "TAG4", "idTagInfo": {"status": "Accepted"}},
                                {"idTag": "TAG2"}]}
    assert trip.record.outcome == "accepted"


async def test_send_empty_full_list_clears(runtime: Runtime, cp: RawStation) -> None:
    trip = await roundtrip(runtime, cp, SendLocalList(version=3, update_type="Full"),
                           {"status": "Accepted"})
    assert trip.payload == {"listVersion": 3, "updateType": "Full",
                            "localAuthorizationList": []}


@pytest.mark.parametrize(("case", "answer"), [("TC_043_1 not supported", "NotSupported"),
                                              ("TC_043_3 failed", "Failed"),
                                              ("version mismatch", "VersionMismatch")])
async def test_tc_043_send_local_list_refused(runtime: Runtime, cp: RawStation, case: str,
                                              answer: str) -> None:
    trip = await roundtrip(runtime, cp, SendLocalList(
        version=9, update_type="Differential", entries=(LocalListEntry("TAG1", "Accepted"),)),
        {"status": answer})
    assert trip.result.status == answer and trip.record.outcome == "rejected"
