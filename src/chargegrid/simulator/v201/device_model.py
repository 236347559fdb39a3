"""A small OCPP 2.0.1 device model: the variables GetVariables/SetVariables/GetBaseReport see.

Variables are addressed as (component, variable) with an optional component instance and
EVSE; only the Actual attribute exists. Write-only variables (SecurityCtrlr.BasicAuthPassword)
are never read back. Values are validated the way a charger's firmware would.
Keys for `get`/`number`/`flag` are written "Component.Variable" (e.g.
"SampledDataCtrlr.TxUpdatedInterval"); EVSE-scoped ones "EVSE[1].AvailabilityState".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

MEASURANDS = ("Energy.Active.Import.Register", "Current.Import", "Power.Active.Import",
              "Current.Offered", "SoC", "Voltage")
DEFAULT_MEASURANDS = "Energy.Active.Import.Register,Current.Import,Power.Active.Import"

READ_ONLY, READ_WRITE, WRITE_ONLY = "ReadOnly", "ReadWrite", "WriteOnly"


def _integer(low: int) -> Callable[[str], bool]:
    return lambda value: value.lstrip("-").isdigit() and int(value) >= low


def _positive_decimal(value: str) -> bool:
    try:
        return float(value) > 0
    except ValueError:
        return False


def _boolean(value: str) -> bool:
    return value.lower() in ("true", "false")


def _measurands(value: str) -> bool:
    return all(item.strip() in MEASURANDS for item in value.split(",") if item.strip())


def _password(value: str) -> bool:
    """OCPP 2.0.1 security profile 1: 16 to 40 characters."""
    return 16 <= len(value) <= 40


def _bound(function: Callable[[int], str], arg: int) -> Callable[[], str]:
    return lambda: function(arg)


@dataclass
class Variable:
    component: str
    name: str
    value: str
    mutability: str = READ_WRITE
    data_type: str = "string"
    valid: Callable[[str], bool] | None = None
    evse: int | None = None
    instance: str | None = None
    getter: Callable[[], str] | None = None
    """A live value (e.g. AvailabilityState) instead of the stored one."""
    unit: str | None = None
    values_list: str | None = None

    @property
    def key(self) -> str:
        comp = self.component if self.evse is None else f"{self.component}[{self.evse}]"
        var = self.name if self.instance is None else f"{self.name}[{self.instance}]"
        return f"{comp}.{var}"

    @property
    def actual(self) -> str:
        return self.getter() if self.getter is not None else self.value


class DeviceModel:
    """One station's variables; `on_change(key, value)` is told after every accepted set."""

    def __init__(self, *, evses: int, heartbeat_interval: int, meter_interval: float,
                 vendor: str, model: str, station_id: str, secured: bool,
                 availability: Callable[[int], str],
                 local_entries: Callable[[], int],
                 on_change: Callable[[str, str], None] | None = None) -> None:
        self.on_change = on_change
        meter = f"{meter_interval:g}"
        items = [
            Variable("ChargingStation", "Model", model, READ_ONLY),
            Variable("ChargingStation", "VendorName", vendor, READ_ONLY),
            Variable("ChargingStation", "AvailabilityState", "", READ_ONLY, "OptionList",
                     getter=lambda: availability(0),
                     values_list="Available,Occupied,Reserved,Unavailable,Faulted"),
            Variable("OCPPCommCtrlr", "HeartbeatInterval", str(heartbeat_interval),
                     data_type="integer", valid=_integer(0), unit="s"),
            Variable("OCPPCommCtrlr", "MessageAttempts", "3", data_type="integer",
                     valid=_integer(0), instance="TransactionEvent"),
            Variable("OCPPCommCtrlr", "MessageAttemptInterval", "10", data_type="integer",
                     valid=_integer(0), instance="TransactionEvent", unit="s"),
            # decimal rather than the spec's integer: sub-second intervals for fast tests
            Variable("SampledDataCtrlr", "TxUpdatedInterval", meter, data_type="decimal",
                     valid=_positive_decimal, unit="s"),
            Variable("SampledDataCtrlr", "TxUpdatedMeasurands", DEFAULT_MEASURANDS,
                     data_type="MemberList", valid=_measurands, values_list=",".join(MEASURANDS)),
            Variable("SampledDataCtrlr", "TxEndedMeasurands", "Energy.Active.Import.Register",
                     data_type="MemberList", valid=_measurands, values_list=",".join(MEASURANDS)),
            Variable("SecurityCtrlr", "Identity", station_id, READ_ONLY),
            Variable("SecurityCtrlr", "SecurityProfile", "1" if secured else "0", READ_ONLY,
                     "integer"),
            Variable("SecurityCtrlr", "BasicAuthPassword", "", WRITE_ONLY, "string",
                     valid=_password),
            Variable("AuthCtrlr", "AuthorizeRemoteStart", "false", data_type="boolean",
                     valid=_boolean),
            Variable("AuthCtrlr", "LocalAuthorizeOffline", "true", data_type="boolean",
                     valid=_boolean),
            Variable("AuthCtrlr", "LocalPreAuthorize", "false", data_type="boolean",
                     valid=_boolean),
            Variable("AuthCtrlr", "OfflineTxForUnknownIdEnabled", "false", data_type="boolean",
                     valid=_boolean),
            Variable("AuthCacheCtrlr", "Enabled", "true", data_type="boolean", valid=_boolean),
            Variable("LocalAuthListCtrlr", "Enabled", "true", data_type="boolean",
                     valid=_boolean),
            Variable("LocalAuthListCtrlr", "Entries", "", READ_ONLY, "integer",
                     getter=lambda: str(local_entries())),
            Variable("TxCtrlr", "StopTxOnInvalidId", "true", data_type="boolean", valid=_boolean),
            Variable("TxCtrlr", "TxStartPoint", "PowerPathClosed", READ_ONLY, "MemberList"),
            Variable("TxCtrlr", "TxStopPoint", "EVConnected,Authorized", READ_ONLY,
                     "MemberList"),
            Variable("SmartChargingCtrlr", "Enabled", "true", READ_ONLY, "boolean"),
            Variable("SmartChargingCtrlr", "ProfileStackLevel", "8", READ_ONLY, "integer"),
            Variable("SmartChargingCtrlr", "ACPhaseSwitchingSupported", "true", READ_ONLY,
                     "boolean"),
        ]
        for evse in range(1, evses + 1):
            items.append(Variable("EVSE", "AvailabilityState", "", READ_ONLY, "OptionList",
                                  evse=evse, getter=_bound(availability, evse)))
            items.append(Variable("EVSE", "SupplyPhases", "3", READ_ONLY, "integer", evse=evse))
        self._vars = {v.key: v for v in items}

    def __iter__(self) -> Iterator[Variable]:
        return iter(self._vars.values())

    def find(self, component: str, name: str, *, instance: str | None = None,
             evse: int | None = None) -> Variable | None:
        comp = component if evse is None else f"{component}[{evse}]"
        var = name if instance is None else f"{name}[{instance}]"
        return self._vars.get(f"{comp}.{var}")

    def knows_component(self, component: str, evse: int | None = None) -> bool:
        return any(v.component == component and (evse is None or v.evse == evse)
                   for v in self._vars.values())

    def get(self, key: str) -> str:
        """The Actual value by key (write-only ones too: this is the station's own view)."""
        return self._vars[key].actual

    def number(self, key: str) -> float:
        return float(self.get(key))

    def flag(self, key: str) -> bool:
        return self.get(key).lower() == "true"

    def set(self, variable: Variable, value: str) -> str:
        """SetVariables outcome for one variable: Accepted or Rejected."""
        if variable.mutability == READ_ONLY or (
                variable.valid is not None and not variable.valid(value)):
            return "Rejected"
        variable.value = value
        if self.on_change is not None:
            self.on_change(variable.key, value)
        return "Accepted"
