"""Handlers for Smart Charging, Reservation and Local Auth List Management (OCPP 1.6).

Validation follows §3.13 and §5.16: a ChargePointMaxProfile lives on connector 0 only, a
TxProfile needs a running transaction on its connector, stack levels are bounded by
ChargeProfileMaxStackLevel. Installing a profile re-applies limits immediately, as a charger
adjusts its PWM signal right away rather than at the next meter sample.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ocpp.routing import on
from ocpp.v16 import call_result, enums
from ocpp.v16.enums import Action

from chargegrid.simulator.clock import parse_iso
from chargegrid.simulator.connector import Reservation
from chargegrid.simulator.local_auth import TagInfo
from chargegrid.simulator.payloads import station_composite
from chargegrid.simulator.profiles import Purpose, RateUnit
from chargegrid.simulator.v16.convert import composite_to_payload, profile_from_payload, tag_info

if TYPE_CHECKING:
    from chargegrid.simulator.v16.adapter import V16Adapter

CPS = enums.ChargingProfileStatus


class SmartChargingHandlers:
    adapter: V16Adapter

    @on(Action.set_charging_profile)
    def on_set_charging_profile(self, connector_id: int, cs_charging_profiles: dict[str, Any],
                                **_: Any) -> call_result.SetChargingProfile:
        core = self.adapter.core
        if connector_id != 0 and connector_id not in core.connectors:
            return call_result.SetChargingProfile(status=CPS.rejected)
        profile = profile_from_payload(cs_charging_profiles, connector_id)
        if profile.purpose.value in self.adapter.options.rejected_purposes:
            return call_result.SetChargingProfile(status=CPS.rejected)
        max_level = int(self.adapter.config.number("ChargeProfileMaxStackLevel"))
        if not 0 <= profile.stack_level <= max_level:
            return call_result.SetChargingProfile(status=CPS.rejected)
        if profile.purpose is Purpose.CHARGE_POINT_MAX and connector_id != 0:
            return call_result.SetChargingProfile(status=CPS.rejected)
        if profile.purpose is Purpose.TX:
            tx = core.connectors[connector_id].transaction if connector_id else None
            if tx is None or profile.transaction_id not in (None, tx.transaction_id):
                return call_result.SetChargingProfile(status=CPS.rejected)
        core.profiles.install(profile)
        core.update()
        return call_result.SetChargingProfile(status=CPS.accepted)

    @on(Action.clear_charging_profile)
    def on_clear_charging_profile(self, id: int | None = None, connector_id: int | None = None,
                                  charging_profile_purpose: str | None = None,
                                  stack_level: int | None = None,
                                  **_: Any) -> call_result.ClearChargingProfile:
        core = self.adapter.core
        purpose = Purpose(charging_profile_purpose) if charging_profile_purpose else None
        removed = core.profiles.clear(profile_id=id, connector_id=connector_id, purpose=purpose,
                                      stack_level=stack_level)
        core.update()
        status = enums.ClearChargingProfileStatus.accepted if removed \
            else enums.ClearChargingProfileStatus.unknown
        return call_result.ClearChargingProfile(status=status)

    @on(Action.get_composite_schedule)
    def on_get_composite_schedule(self, connector_id: int, duration: int,
                                  charging_rate_unit: str | None = None,
                                  **_: Any) -> call_result.GetCompositeSchedule:
        core = self.adapter.core
        if connector_id != 0 and connector_id not in core.connectors:
            return call_result.GetCompositeSchedule(
                status=enums.GetCompositeScheduleStatus.rejected)
        comp = station_composite(core, connector_id, duration, RateUnit(charging_rate_unit or "A"))
        payload = composite_to_payload(comp)
        return call_result.GetCompositeSchedule(
            status=enums.GetCompositeScheduleStatus.accepted, connector_id=connector_id,
            schedule_start=payload["startSchedule"], charging_schedule=payload)

    @on(Action.reserve_now)
    def on_reserve_now(self, connector_id: int, expiry_date: str, id_tag: str,
                       reservation_id: int, parent_id_tag: str | None = None,
                       **_: Any) -> call_result.ReserveNow:
        core = self.adapter.core
        if connector_id != 0 and connector_id not in core.connectors:
            return call_result.ReserveNow(status=enums.ReservationStatus.rejected)
        expiry = parse_iso(expiry_date)
        if expiry <= core.clock.now():
            expiry = core.clock.now() + timedelta(seconds=1)
        outcome = core.reserve(connector_id,
                               Reservation(reservation_id, id_tag, expiry, parent_id_tag))
        return call_result.ReserveNow(status=enums.ReservationStatus(outcome))

    @on(Action.cancel_reservation)
    def on_cancel_reservation(self, reservation_id: int,
                              **_: Any) -> call_result.CancelReservation:
        found = self.adapter.core.cancel_reservation(reservation_id)
        status = enums.CancelReservationStatus.accepted if found \
            else enums.CancelReservationStatus.rejected
        return call_result.CancelReservation(status=status)

    @on(Action.send_local_list)
    def on_send_local_list(self, list_version: int, update_type: str,
                           local_authorization_list: list[dict[str, Any]] | None = None,
                           **_: Any) -> call_result.SendLocalList:
        auth = self.adapter.core.auth
        if not self.adapter.config.flag("LocalAuthListEnabled"):
            return call_result.SendLocalList(status=enums.UpdateStatus.not_supported)
        entries: dict[str, TagInfo | None] = {
            item["id_tag"]: tag_info(item.get("id_tag_info"))
            for item in local_authorization_list or []
        }
        if update_type == enums.UpdateType.full:
            ok = auth.replace_list(list_version, {t: i for t, i in entries.items() if i})
        else:
            if list_version <= auth.version:
                return call_result.SendLocalList(status=enums.UpdateStatus.version_mismatch)
            ok = auth.update_list(list_version, entries)
        status = enums.UpdateStatus.accepted if ok else enums.UpdateStatus.failed
        return call_result.SendLocalList(status=status)

    @on(Action.get_local_list_version)
    def on_get_local_list_version(self, **_: Any) -> call_result.GetLocalListVersion:
        if not self.adapter.config.flag("LocalAuthListEnabled"):
            return call_result.GetLocalListVersion(list_version=-1)
        return call_result.GetLocalListVersion(list_version=self.adapter.core.auth.version)
