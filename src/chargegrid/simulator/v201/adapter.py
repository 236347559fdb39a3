"""The 2.0.1 side of a simulated station: turns core events into 2.0.1 messages and back.

`V201Adapter` owns the station core, the device model, the outbox and the connection;
central-system commands reach it through `StationChargePoint201`'s handlers. The plumbing
shared with 1.6 (tasks, sending, authorisation, the physics loop) is `AdapterBase`.

Transactions: the station makes up each transactionId (a uuid4 string) when a transaction
starts, so nothing waits for the central system. TransactionEvents carry a seqNo that counts
up per station from 0 and are persistent in the outbox: made while offline they carry
`offline: true` and are delivered in order after the reconnect.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from itertools import count
from typing import Any

from ocpp.v201 import call, datatypes, enums

from chargegrid.clock import Clock
from chargegrid.simulator.adapter_base import AdapterBase, AuthKeys, StationOptions
from chargegrid.simulator.clock import iso_z
from chargegrid.simulator.connector import Connector, ConnectorStatus, StopReason, Transaction
from chargegrid.simulator.core import MeterSample, StationCore
from chargegrid.simulator.local_auth import TagInfo
from chargegrid.simulator.profiles import ChargingProfile
from chargegrid.simulator.v16.outbox import Outbox, Outgoing
from chargegrid.simulator.v201.connection import Connection201
from chargegrid.simulator.v201.convert import (
    CONNECTOR_ON_EVSE,
    charging_state,
    connector_status,
    id_token,
    meter_value,
    stopped,
    tag_info,
)
from chargegrid.simulator.v201.device_model import DeviceModel

TE = enums.TransactionEventEnumType  # aliases for values; annotations spell the enums out
TR = enums.TriggerReasonEnumType


class Core201(StationCore):
    """The neutral core plus 2.0.1 phaseToUse: a 1-phase limit may put the load on L2 or L3."""

    def _apply_limits(self, now: datetime) -> None:
        super()._apply_limits(now)
        for conn in self.connectors.values():
            phase = conn.offered.phase_to_use
            if phase is not None and conn.offered.phases == 1 and phase != 1:
                amps = conn.currents[0]
                conn.currents = tuple(amps if i == phase - 1 else 0.0  # type: ignore[assignment]
                                      for i in range(3))


class V201Adapter(AdapterBase):
    """One station speaking OCPP 2.0.1; implements `core.StationEvents`."""

    auth_keys = AuthKeys(list_enabled="LocalAuthListCtrlr.Enabled",
                         pre_authorize="AuthCtrlr.LocalPreAuthorize",
                         cache_enabled="AuthCacheCtrlr.Enabled",
                         authorize_offline="AuthCtrlr.LocalAuthorizeOffline",
                         unknown_offline="AuthCtrlr.OfflineTxForUnknownIdEnabled")
    core: Core201
    config: DeviceModel
    connection: Connection201

    def __init__(self, station_id: str, url: str, options: StationOptions, clock: Clock) -> None:
        super().__init__(station_id, options)
        self.core = Core201(station_id, connectors=options.connectors, clock=clock,
                            max_current=options.max_current, events=self,
                            ignores_limits=options.ignores_limits)
        self.config = DeviceModel(
            evses=options.connectors, heartbeat_interval=options.heartbeat_interval,
            meter_interval=options.meter_interval, vendor=options.vendor, model=options.model,
            station_id=station_id, secured=options.connection.password is not None,
            availability=self.availability, local_entries=lambda: len(self.core.auth.entries),
            on_change=self._variable_changed)
        self.outbox = Outbox(max_attempts=lambda: int(
            self.config.number("OCPPCommCtrlr.MessageAttempts[TransactionEvent]")))
        self.connection = Connection201(self, url, options.connection)
        self.pending_tx_profiles: dict[int, ChargingProfile] = {}
        self.pending_remote: dict[int, int] = {}
        """evse id → remoteStartId of a RequestStartTransaction waiting for its transaction."""
        self.uids: dict[int, str] = {}
        """Transaction.local_id → the 2.0.1 transactionId."""
        self.remote_ids: dict[int, int] = {}
        self.profile_payloads: dict[int, dict[str, Any]] = {}
        """Installed profile id → the chargingProfile as received (for ReportChargingProfiles)."""
        self.log_status = "Idle"
        self.boot_reason = enums.BootReasonEnumType.power_up
        self.reset_when_idle = False
        self._seq = count(0)
        self._charging_states: dict[int, enums.ChargingStateEnumType] = {}
        self._reported: dict[int, enums.ConnectorStatusEnumType] = {}

    def _variable_changed(self, key: str, value: str) -> None:
        if key == "SecurityCtrlr.BasicAuthPassword":
            self.connection.password = value
            self.send(call.SecurityEventNotification(
                type="ReconfigurationOfSecurityParameters", timestamp=self.now(),
                tech_info="BasicAuthPassword changed"))

    def now(self) -> str:
        return iso_z(self.core.clock.now())

    # -- transactions ---------------------------------------------------------------------

    def transaction_uid(self, connector_id: int) -> str | None:
        tx = self.core.connector(connector_id).transaction
        return self.uids.get(tx.local_id) if tx is not None else None

    def transaction_number(self, uid: str) -> int | None:
        """The neutral number (see `StationCore.tx_context`) of a running transaction."""
        for conn in self.core.connectors.values():
            tx = conn.transaction
            if tx is not None and self.uids.get(tx.local_id) == uid:
                return tx.transaction_id or -tx.local_id
        return None

    def transaction_evse(self, uid: str) -> int | None:
        for cid, conn in self.core.connectors.items():
            tx = conn.transaction
            if tx is not None and self.uids.get(tx.local_id) == uid:
                return cid
        return None

    def transaction_event(self, event: enums.TransactionEventEnumType,
                          trigger: enums.TriggerReasonEnumType, conn: Connector, tx: Transaction, *,
                          meter: list[datatypes.MeterValueType] | None = None,
                          stopped_reason: enums.ReasonEnumType | None = None,
                          with_token: bool = False, with_evse: bool = False,
                          state: enums.ChargingStateEnumType | None = None,
                          persistent: bool = True) -> None:
        """Queue one TransactionEvent, numbered now and marked offline if made offline."""
        info = datatypes.TransactionType(
            transaction_id=self.uids[tx.local_id],
            charging_state=state or charging_state(conn),
            stopped_reason=stopped_reason,
            remote_start_id=self.remote_ids.get(tx.local_id) if event is TE.started else None)
        payload = call.TransactionEvent(
            event_type=event, timestamp=self.now(), trigger_reason=trigger,
            seq_no=next(self._seq), transaction_info=info, meter_value=meter,
            offline=True if not self.online else None,
            reservation_id=tx.reservation_id if event is TE.started else None,
            evse=datatypes.EVSEType(id=conn.id, connector_id=CONNECTOR_ON_EVSE)
            if with_evse else None,
            id_token=id_token(tx.id_tag) if with_token else None)

        def settle(result: Any) -> None:
            self.record_result("TransactionEvent", result)
            if event is TE.started:
                self._check_token(conn, tx, result)

        self.outbox.put(Outgoing(lambda: payload, persistent=persistent, on_result=settle))

    def _check_token(self, conn: Connector, tx: Transaction, result: Any) -> None:
        info = tag_info(getattr(result, "id_token_info", None))
        if info is None:
            return
        if self.config.flag("AuthCacheCtrlr.Enabled"):
            self.core.auth.remember(tx.id_tag, info)
        if info.status != "Accepted" and self.config.flag("TxCtrlr.StopTxOnInvalidId") \
                and conn.transaction is tx:
            self.core.stop_transaction(conn.id, StopReason.DEAUTHORIZED)

    # -- StationEvents ----------------------------------------------------------------------

    def status_changed(self, connector_id: int, status: ConnectorStatus) -> None:
        if connector_id == 0:
            return  # 2.0.1 has no station-wide StatusNotification
        conn = self.core.connector(connector_id)
        new = connector_status(conn)
        if self.online and self._reported.get(connector_id) != new:
            self._reported[connector_id] = new
            self.send(self.status_payload(connector_id, new))
        tx = conn.transaction
        if tx is not None and tx.local_id in self.uids:
            state = charging_state(conn)
            if self._charging_states.get(connector_id) != state:
                self._charging_states[connector_id] = state
                self.transaction_event(TE.updated, TR.charging_state_changed, conn, tx,
                                       state=state)

    def status_payload(self, evse_id: int,
                       status: enums.ConnectorStatusEnumType) -> call.StatusNotification:
        return call.StatusNotification(timestamp=self.now(), connector_status=status,
                                       evse_id=evse_id, connector_id=CONNECTOR_ON_EVSE)

    def announce_statuses(self) -> None:
        """After every boot: one StatusNotification per EVSE connector."""
        for cid, conn in self.core.connectors.items():
            status = connector_status(conn)
            self._reported[cid] = status
            self.send(self.status_payload(cid, status))

    def availability(self, evse_id: int) -> str:
        if evse_id == 0:
            return "Available" if self.core.operative else "Unavailable"
        return str(connector_status(self.core.connector(evse_id)).value)

    def transaction_started(self, connector: Connector, tx: Transaction) -> None:
        self.uids[tx.local_id] = str(uuid.uuid4())
        profile = self.pending_tx_profiles.pop(connector.id, None)
        remote = self.pending_remote.pop(connector.id, None)
        if remote is not None:
            self.remote_ids[tx.local_id] = remote
        if profile is not None:
            self.core.profiles.install(profile)  # applied by the update that follows
        trigger = TR.remote_start if remote is not None else TR.authorized
        # The core re-applies limits right after this; the state it reaches (Charging,
        # SuspendedEVSE...) then goes out as an Updated ChargingStateChanged.
        state = enums.ChargingStateEnumType.ev_connected
        self._charging_states[connector.id] = state
        self.transaction_event(
            TE.started, trigger, connector, tx, with_token=True, with_evse=True, state=state,
            meter=[meter_value(self.core.sample(connector.id), self._ended_measurands(),
                               enums.ReadingContextEnumType.transaction_begin)])

    def transaction_stopped(self, connector: Connector, tx: Transaction, meter_stop_wh: int,
                            when: datetime) -> None:
        reason, trigger = stopped(tx.stop_reason)
        sample = self.core.sample(connector.id)
        final = MeterSample(connector.id, when, float(meter_stop_wh), (0.0, 0.0, 0.0), 0.0,
                            sample.soc)
        self.transaction_event(
            TE.ended, trigger, connector, tx, stopped_reason=reason,
            with_token=tx.stop_reason is StopReason.LOCAL,
            state=charging_state(connector),
            meter=[meter_value(final, self._ended_measurands(),
                               enums.ReadingContextEnumType.transaction_end)])
        self._charging_states.pop(connector.id, None)
        self.remote_ids.pop(tx.local_id, None)

    # -- meter values -----------------------------------------------------------------------

    def _measurands(self) -> list[str]:
        return [m.strip() for m in self.config.get("SampledDataCtrlr.TxUpdatedMeasurands")
                .split(",")]

    def _ended_measurands(self) -> list[str]:
        return [m.strip() for m in self.config.get("SampledDataCtrlr.TxEndedMeasurands")
                .split(",")]

    def periodic_update(self, conn: Connector, tx: Transaction,
                        trigger: enums.TriggerReasonEnumType = TR.meter_value_periodic,
                        context: enums.ReadingContextEnumType
                        = enums.ReadingContextEnumType.sample_periodic) -> None:
        sample = self.core.sample(conn.id)
        self.transaction_event(TE.updated, trigger, conn, tx,
                               meter=[meter_value(sample, self._measurands(), context)])

    def meter_values(self, evse_id: int) -> None:
        """A MeterValues message (outside transactions, e.g. on TriggerMessage)."""
        sample = self.core.sample(evse_id)
        self.send(call.MeterValues(evse_id=evse_id, meter_value=[meter_value(
            sample, self._measurands(), enums.ReadingContextEnumType.trigger)]))

    # -- AdapterBase hooks ------------------------------------------------------------------

    def authorize_request(self, id_tag: str) -> call.Authorize:
        return call.Authorize(id_token=id_token(id_tag))

    def authorize_info(self, result: Any) -> TagInfo | None:
        return tag_info(result.id_token_info)

    def meter_interval(self) -> float:
        """TransactionEvent Updated goes out every TxUpdatedInterval."""
        return self.config.number("SampledDataCtrlr.TxUpdatedInterval")

    def ticked(self) -> None:
        if self.reset_when_idle and all(c.transaction is None
                                        for c in self.core.connectors.values()):
            self.reset_when_idle = False
            self.spawn(self.reset(immediate=False))

    def send_periodic(self, conn: Connector, tx: Transaction) -> None:
        if tx.local_id in self.uids:
            self.periodic_update(conn, tx)

    # -- reset ------------------------------------------------------------------------------

    async def reset(self, *, immediate: bool) -> None:
        """Stop transactions, let their messages out, then drop the link and boot again."""
        for cid in list(self.core.connectors):
            self.core.stop_transaction(cid, StopReason.HARD_RESET)
        try:
            await asyncio.wait_for(self.outbox.wait_empty(), 5.0)
        except TimeoutError:
            pass
        self.core.reboot()
        self._reported.clear()
        self.reboots += 1
        self.boot_reason = enums.BootReasonEnumType.remote_reset
        await self.connection.drop(reconnect_now=True)
