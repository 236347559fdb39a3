"""Handlers for Smart Charging, Reservation and Local Authorization List (OCPP 2.0.1).

2.0.1 profiles are converted into the neutral form (`convert.profile_from_payload`) and
evaluated by the same code as 1.6 profiles. Rules (K01): a ChargingStationMaxProfile lives
on EVSE 0 only; a TxProfile needs a transactionId naming the transaction running on its
EVSE; stack levels are bounded by SmartChargingCtrlr.ProfileStackLevel; phaseToUse needs
numberPhases 1. Installing or clearing a profile re-applies limits immediately.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ocpp.routing import on
from ocpp.v201 import call, call_result, enums
from ocpp.v201.enums import Action

from chargegrid.simulator.clock import parse_iso
from chargegrid.simulator.connector import Reservation
from chargegrid.simulator.local_auth import TagInfo
from chargegrid.simulator.payloads import station_composite
from chargegrid.simulator.profiles import Purpose, RateUnit
from chargegrid.simulator.v201.convert import (
    PURPOSE_NAMES,
    ProfileError,
    composite_to_payload,
    profile_from_payload,
    purpose_of,
    tag_info,
)

if TYPE_CHECKING:
    from chargegrid.simulator.v201.adapter import V201Adapter

CPS = enums.ChargingProfileStatusEnumType
_RATE_UNITS = {"A": RateUnit.A, "W": RateUnit.W}


class SmartChargingHandlers:
    adapter: V201Adapter

    @on(Action.set_charging_profile)
    def on_set_charging_profile(self, evse_id: int, charging_profile: dict[str, Any],
                                **_: Any) -> call_result.SetChargingProfile:
        adapter, core = self.adapter, self.adapter.core
        if evse_id != 0 and evse_id not in core.connectors:
            return _rejected("UnknownEVSE")
        try:
            profile = profile_from_payload(charging_profile, evse_id, adapter.transaction_number)
        except (ProfileError, KeyError, ValueError) as err:
            return _rejected("InvalidProfile", str(err))
        if profile.purpose.value in adapter.options.rejected_purposes:
            return _rejected("UnsupportedPurpose")
        max_level = int(adapter.config.number("SmartChargingCtrlr.ProfileStackLevel"))
        if not 0 <= profile.stack_level <= max_level:
            return _rejected("InvalidStackLevel")
        if profile.purpose is Purpose.CHARGE_POINT_MAX and evse_id != 0:
            return _rejected("InvalidProfile", "ChargingStationMaxProfile needs evseId 0")
        if profile.purpose is Purpose.TX:
            tx = core.connectors[evse_id].transaction if evse_id else None
            if tx is None or profile.transaction_id is None \
                    or profile.transaction_id != core.tx_context(core.connectors[evse_id]) \
                    .transaction_id:
                return _rejected("TxNotFound")
        core.profiles.install(profile)
        adapter.profile_payloads[profile.id] = charging_profile
        core.update()
        return call_result.SetChargingProfile(status=CPS.accepted)

    @on(Action.clear_charging_profile)
    def on_clear_charging_profile(self, charging_profile_id: int | None = None,
                                  charging_profile_criteria: dict[str, Any] | None = None,
                                  **_: Any) -> call_result.ClearChargingProfile:
        core = self.adapter.core
        criteria = charging_profile_criteria or {}
        purpose_name = criteria.get("charging_profile_purpose")
        try:
            purpose = purpose_of(purpose_name) if purpose_name else None
        except ProfileError:
            purpose = None
        removed = core.profiles.clear(
            profile_id=charging_profile_id, connector_id=criteria.get("evse_id"),
            purpose=purpose, stack_level=criteria.get("stack_level"))
        core.update()
        status = enums.ClearChargingProfileStatusEnumType.accepted if removed \
            else enums.ClearChargingProfileStatusEnumType.unknown
        return call_result.ClearChargingProfile(status=status)

    @on(Action.get_charging_profiles)
    def on_get_charging_profiles(self, request_id: int, charging_profile: dict[str, Any],
                                 evse_id: int | None = None,
                                 **_: Any) -> call_result.GetChargingProfiles:
        """Answer, then one ReportChargingProfiles per EVSE with matching profiles."""
        adapter = self.adapter
        purpose = charging_profile.get("charging_profile_purpose")
        level = charging_profile.get("stack_level")
        ids = charging_profile.get("charging_profile_id")
        sources = charging_profile.get("charging_limit_source")
        by_evse: dict[int, list[dict[str, Any]]] = {}
        for profile in adapter.core.profiles.profiles:
            if (evse_id is not None and profile.connector_id != evse_id) \
                    or (purpose and PURPOSE_NAMES[profile.purpose] != purpose) \
                    or (level is not None and profile.stack_level != level) \
                    or (ids and profile.id not in ids) \
                    or (sources and "CSO" not in sources) \
                    or profile.id not in adapter.profile_payloads:
                continue
            by_evse.setdefault(profile.connector_id, []).append(
                adapter.profile_payloads[profile.id])
        if not by_evse:
            return call_result.GetChargingProfiles(
                status=enums.GetChargingProfileStatusEnumType.no_profiles)
        evses = sorted(by_evse)
        for n, evse in enumerate(evses):
            adapter.send(call.ReportChargingProfiles(
                request_id=request_id, charging_limit_source=enums.ChargingLimitSourceEnumType.cso,
                charging_profile=by_evse[evse], evse_id=evse, tbc=n < len(evses) - 1))
        return call_result.GetChargingProfiles(
            status=enums.GetChargingProfileStatusEnumType.accepted)

    @on(Action.get_composite_schedule)
    def on_get_composite_schedule(self, duration: int, evse_id: int,
                                  charging_rate_unit: str | None = None,
                                  **_: Any) -> call_result.GetCompositeSchedule:
        core = self.adapter.core
        if evse_id != 0 and evse_id not in core.connectors:
            return call_result.GetCompositeSchedule(status=enums.GenericStatusEnumType.rejected)
        unit = _RATE_UNITS.get(charging_rate_unit or "A", RateUnit.A)
        comp = station_composite(core, evse_id, duration, unit)
        return call_result.GetCompositeSchedule(status=enums.GenericStatusEnumType.accepted,
                                                schedule=composite_to_payload(comp))

    # -- reservations -----------------------------------------------------------------------

    @on(Action.reserve_now)
    def on_reserve_now(self, id: int, expiry_date_time: str, id_token: dict[str, Any],
                       evse_id: int | None = None, group_id_token: dict[str, Any] | None = None,
                       **_: Any) -> call_result.ReserveNow:
        core = self.adapter.core
        if evse_id is not None and evse_id != 0 and evse_id not in core.connectors:
            return call_result.ReserveNow(status=enums.ReserveNowStatusEnumType.rejected)
        expiry = parse_iso(expiry_date_time)
        if expiry <= core.clock.now():
            expiry = core.clock.now() + timedelta(seconds=1)
        group = str(group_id_token["id_token"]) if group_id_token else None
        outcome = core.reserve(evse_id or 0,
                               Reservation(id, str(id_token["id_token"]), expiry, group))
        return call_result.ReserveNow(status=enums.ReserveNowStatusEnumType(outcome))

    @on(Action.cancel_reservation)
    def on_cancel_reservation(self, reservation_id: int,
                              **_: Any) -> call_result.CancelReservation:
        found = self.adapter.core.cancel_reservation(reservation_id)
        status = enums.CancelReservationStatusEnumType.accepted if found \
            else enums.CancelReservationStatusEnumType.rejected
        return call_result.CancelReservation(status=status)

    # -- local authorization list -----------------------------------------------------------

    @on(Action.send_local_list)
    def on_send_local_list(self, version_number: int, update_type: str,
                           local_authorization_list: list[dict[str, Any]] | None = None,
                           **_: Any) -> call_result.SendLocalList:
        auth = self.adapter.core.auth
        if not self.adapter.config.flag("LocalAuthListCtrlr.Enabled"):
            return call_result.SendLocalList(status=enums.SendLocalListStatusEnumType.failed)
        entries: dict[str, TagInfo | None] = {
            str(item["id_token"]["id_token"]): tag_info(item.get("id_token_info"))
            for item in local_authorization_list or []
        }
        if update_type == enums.UpdateEnumType.full:
            ok = auth.replace_list(version_number, {t: i for t, i in entries.items() if i})
        else:
            if version_number <= auth.version:
                return call_result.SendLocalList(
                    status=enums.SendLocalListStatusEnumType.version_mismatch)
            ok = auth.update_list(version_number, entries)
        status = enums.SendLocalListStatusEnumType.accepted if ok \
            else enums.SendLocalListStatusEnumType.failed
        return call_result.SendLocalList(status=status)

    @on(Action.get_local_list_version)
    def on_get_local_list_version(self, **_: Any) -> call_result.GetLocalListVersion:
        return call_result.GetLocalListVersion(version_number=self.adapter.core.auth.version)


def _rejected(reason: str, info: str | None = None) -> call_result.SetChargingProfile:
    status_info = {"reason_code": reason}
    if info:
        status_info["additional_info"] = info[:512]
    return call_result.SetChargingProfile(status=CPS.rejected, status_info=status_info)
