"""The 1.6 configuration keys a simulated station exposes (GetConfiguration/ChangeConfiguration).

A realistic Core + Smart Charging + Local Auth List key set; read-only keys are rejected on
change, and values are validated the way a charger's firmware would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

MEASURANDS = ("Energy.Active.Import.Register", "Current.Import", "Power.Active.Import",
              "Current.Offered", "SoC", "Voltage")


def _int_at_least(low: int) -> Callable[[str], bool]:
    return lambda value: value.lstrip("-").isdigit() and int(value) >= low


def _boolean(value: str) -> bool:
    return value.lower() in ("true", "false")


def _authorization_key(value: str) -> bool:
    """1.6 security whitepaper: the Basic-auth password travels hex-encoded, 16..20 bytes."""
    try:
        return 16 <= len(bytes.fromhex(value)) <= 20
    except ValueError:
        return False


# Keys a station accepts but never reports back (the whitepaper's write-only AuthorizationKey).
WRITE_ONLY = frozenset({"AuthorizationKey"})


def _measurands(value: str) -> bool:
    return all(item.strip() in MEASURANDS for item in value.split(",") if item.strip())


@dataclass
class ConfigKey:
    value: str
    readonly: bool = False
    valid: Callable[[str], bool] | None = None
    reboot: bool = False


class Configuration:
    """One station's configuration keys; `changed` is notified so loops pick up new intervals."""

    def __init__(self, *, connectors: int, heartbeat_interval: int, meter_interval: float,
                 on_change: Callable[[str, str], None] | None = None) -> None:
        self._on_change = on_change
        meter = f"{meter_interval:g}"
        self._keys: dict[str, ConfigKey] = {
            "AllowOfflineTxForUnknownId": ConfigKey("false", valid=_boolean),
            "AuthorizationCacheEnabled": ConfigKey("true", valid=_boolean),
            "AuthorizeRemoteTxRequests": ConfigKey("false", valid=_boolean),
            "ClockAlignedDataInterval": ConfigKey("0", valid=_int_at_least(0)),
            "ConnectionTimeOut": ConfigKey("60", valid=_int_at_least(0)),
            "ConnectorPhaseRotation": ConfigKey("Unknown"),
            "GetConfigurationMaxKeys": ConfigKey("50", readonly=True),
            "HeartbeatInterval": ConfigKey(str(heartbeat_interval), valid=_int_at_least(0)),
            "LocalAuthorizeOffline": ConfigKey("true", valid=_boolean),
            "LocalPreAuthorize": ConfigKey("false", valid=_boolean),
            "MeterValuesAlignedData": ConfigKey("Energy.Active.Import.Register",
                                                valid=_measurands),
            "MeterValuesSampledData": ConfigKey(
                "Energy.Active.Import.Register,Current.Import,Power.Active.Import",
                valid=_measurands),
            "MeterValueSampleInterval": ConfigKey(meter, valid=_positive_number),
            "NumberOfConnectors": ConfigKey(str(connectors), readonly=True),
            "ResetRetries": ConfigKey("1", valid=_int_at_least(0)),
            "StopTransactionOnEVSideDisconnect": ConfigKey("true", readonly=True),
            "StopTransactionOnInvalidId": ConfigKey("true", valid=_boolean),
            "StopTxnSampledData": ConfigKey("Energy.Active.Import.Register", valid=_measurands),
            "SupportedFeatureProfiles": ConfigKey(
                "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,"
                "RemoteTrigger", readonly=True),
            "TransactionMessageAttempts": ConfigKey("3", valid=_int_at_least(0)),
            "TransactionMessageRetryInterval": ConfigKey("10", valid=_int_at_least(0)),
            "UnlockConnectorOnEVSideDisconnect": ConfigKey("true", valid=_boolean),
            "WebSocketPingInterval": ConfigKey("0", valid=_int_at_least(0)),
            "LocalAuthListEnabled": ConfigKey("true", valid=_boolean),
            "LocalAuthListMaxLength": ConfigKey("1000", readonly=True),
            "SendLocalListMaxLength": ConfigKey("1000", readonly=True),
            "ReserveConnectorZeroSupported": ConfigKey("true", readonly=True),
            "ChargeProfileMaxStackLevel": ConfigKey("8", readonly=True),
            "ChargingScheduleAllowedChargingRateUnit": ConfigKey("Current,Power", readonly=True),
            "ChargingScheduleMaxPeriods": ConfigKey("24", readonly=True),
            "MaxChargingProfilesInstalled": ConfigKey("16", readonly=True),
            "ConnectorSwitch3to1PhaseSupported": ConfigKey("true", readonly=True),
            "AuthorizationKey": ConfigKey("", valid=_authorization_key),
        }

    def get(self, key: str) -> str:
        return self._keys[key].value

    def flag(self, key: str) -> bool:
        return self._keys[key].value.lower() == "true"

    def number(self, key: str) -> float:
        return float(self._keys[key].value)

    def items(self, keys: list[str] | None) -> tuple[list[tuple[str, bool, str]], list[str]]:
        """(known (key, readonly, value), unknown keys) for GetConfiguration."""
        wanted = keys if keys else [k for k in self._keys if k not in WRITE_ONLY]
        readable = {k: v for k, v in self._keys.items() if k not in WRITE_ONLY}
        known = [(k, readable[k].readonly, readable[k].value) for k in wanted if k in readable]
        return known, [k for k in wanted if k not in readable]

    def change(self, key: str, value: str) -> str:
        """ChangeConfiguration outcome: Accepted, Rejected, RebootRequired or NotSupported."""
        entry = self._keys.get(key)
        if entry is None:
            return "NotSupported"
        if entry.readonly or (entry.valid is not None and not entry.valid(value)):
            return "Rejected"
        entry.value = value
        if self._on_change is not None:
            self._on_change(key, value)
        return "RebootRequired" if entry.reboot else "Accepted"


def _positive_number(value: str) -> bool:
    try:
        return float(value) > 0
    except ValueError:
        return False
