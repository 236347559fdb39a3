"""The 1.6 side of a simulated station: turns core events into 1.6 messages and back.

`V16Adapter` owns the station core, the configuration keys, the outbox and the connection;
central-system commands reach it through `StationChargePoint`'s handlers. The plumbing
shared with 2.0.1 (tasks, sending, authorisation, the physics loop) is `AdapterBase`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ocpp.v16 import call, datatypes, enums

from chargegrid.clock import Clock
from chargegrid.simulator.adapter_base import AdapterBase, AuthKeys, StationOptions
from chargegrid.simulator.clock import iso_z
from chargegrid.simulator.connector import Connector, ConnectorStatus, StopReason, Transaction
from chargegrid.simulator.core import MeterSample, StationCore
from chargegrid.simulator.local_auth import TagInfo
from chargegrid.simulator.profiles import ChargingProfile
from chargegrid.simulator.v16.config import Configuration
from chargegrid.simulator.v16.connection import Connection
from chargegrid.simulator.v16.convert import meter_value, tag_info
from chargegrid.simulator.v16.outbox import Outbox, Outgoing

__all__ = ["StationOptions", "V16Adapter"]


class V16Adapter(AdapterBase):
    """One station speaking OCPP 1.6J; implements `core.StationEvents`."""

    auth_keys = AuthKeys(list_enabled="LocalAuthListEnabled", pre_authorize="LocalPreAuthorize",
                         cache_enabled="AuthorizationCacheEnabled",
                         authorize_offline="LocalAuthorizeOffline",
                         unknown_offline="AllowOfflineTxForUnknownId")
    config: Configuration
    connection: Connection

    def __init__(self, station_id: str, url: str, options: StationOptions, clock: Clock) -> None:
        super().__init__(station_id, options)
        self.config = Configuration(connectors=options.connectors,
                                    heartbeat_interval=options.heartbeat_interval,
                                    meter_interval=options.meter_interval,
                                    on_change=self._configuration_changed)
        self.core = StationCore(station_id, connectors=options.connectors, clock=clock,
                                max_current=options.max_current, events=self,
                                ignores_limits=options.ignores_limits)
        self.outbox = Outbox(max_attempts=lambda: int(
            self.config.number("TransactionMessageAttempts")))
        self.connection = Connection(self, url, options.connection)
        self.pending_tx_profiles: dict[int, ChargingProfile] = {}
        self.diagnostics_status = "Idle"

    def _configuration_changed(self, key: str, value: str) -> None:
        """A new AuthorizationKey (hex on the wire) is the Basic-auth password from the next
        connection on, as a charger does after the central system rotates it."""
        if key == "AuthorizationKey":
            self.connection.password = bytes.fromhex(value).decode("utf-8", "replace")

    # -- StationEvents ------------------------------------------------------------------------

    def status_changed(self, connector_id: int, status: ConnectorStatus) -> None:
        if self.online:
            self.send(self.status_payload(connector_id, status))

    def status_payload(self, connector_id: int, status: ConnectorStatus) -> call.StatusNotification:
        error = (enums.ChargePointErrorCode.other_error if status is ConnectorStatus.FAULTED
                 else enums.ChargePointErrorCode.no_error)
        return call.StatusNotification(connector_id=connector_id, error_code=error,
                                       status=enums.ChargePointStatus(status.value),
                                       timestamp=iso_z(self.core.clock.now()))

    def transaction_started(self, connector: Connector, tx: Transaction) -> None:
        profile = self.pending_tx_profiles.pop(connector.id, None)
        if profile is not None:
            self.core.profiles.install(profile)
        payload = call.StartTransaction(
            connector_id=connector.id, id_tag=tx.id_tag, meter_start=tx.meter_start_wh,
            timestamp=iso_z(tx.start), reservation_id=tx.reservation_id)

        def accepted(result: Any) -> None:
            tx.transaction_id = int(result.transaction_id)
            info = tag_info(result.id_tag_info)
            if info is not None and self.config.flag("AuthorizationCacheEnabled"):
                self.core.auth.remember(tx.id_tag, info)
            if (info is None or info.status != "Accepted") \
                    and self.config.flag("StopTransactionOnInvalidId") \
                    and connector.transaction is tx:
                self.core.stop_transaction(connector.id, StopReason.DEAUTHORIZED)

        def settle(result: Any) -> None:
            self.record_result("StartTransaction", result)
            accepted(result)

        self.outbox.put(Outgoing(lambda: payload, persistent=True, on_result=settle))

    def transaction_stopped(self, connector: Connector, tx: Transaction, meter_stop_wh: int,
                            when: datetime) -> None:
        def build() -> call.StopTransaction | None:
            if tx.transaction_id is None:
                return None  # its StartTransaction never got an id: nothing to stop
            data = [datatypes.MeterValue(timestamp=iso_z(when), sampled_value=[
                datatypes.SampledValue(value=str(meter_stop_wh),
                                       context=enums.ReadingContext.transaction_end,
                                       measurand=enums.Measurand.energy_active_import_register,
                                       unit=enums.UnitOfMeasure.wh)])]
            reason = tx.stop_reason.value if tx.stop_reason is not None else "Other"
            return call.StopTransaction(
                meter_stop=meter_stop_wh, timestamp=iso_z(when), transaction_id=tx.transaction_id,
                reason=enums.Reason(reason), id_tag=tx.id_tag, transaction_data=data)

        self.outbox.put(Outgoing(build, persistent=True,
                                 on_result=lambda r: self.record_result("StopTransaction", r)))

    # -- meter values -----------------------------------------------------------------------

    def meter_values(self, sample: MeterSample, tx: Transaction | None,
                     context: enums.ReadingContext = enums.ReadingContext.sample_periodic,
                     persistent: bool = True) -> None:
        measurands = [m.strip() for m in self.config.get("MeterValuesSampledData").split(",")]
        value = meter_value(sample, measurands, context)

        def build() -> call.MeterValues:
            tx_id = tx.transaction_id if tx is not None else None
            return call.MeterValues(connector_id=sample.connector_id, meter_value=[value],
                                    transaction_id=tx_id)

        self.outbox.put(Outgoing(build, persistent=persistent))

    # -- AdapterBase hooks ------------------------------------------------------------------

    def authorize_request(self, id_tag: str) -> call.Authorize:
        return call.Authorize(id_tag=id_tag)

    def authorize_info(self, result: Any) -> TagInfo | None:
        return tag_info(result.id_tag_info)

    def meter_interval(self) -> float:
        return self.config.number("MeterValueSampleInterval")

    def send_periodic(self, conn: Connector, tx: Transaction) -> None:
        self.meter_values(self.core.sample(conn.id), tx)
