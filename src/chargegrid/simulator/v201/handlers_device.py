"""Handlers for the device model: GetVariables, SetVariables, GetBaseReport (OCPP 2.0.1).

Only the Actual attribute exists; write-only variables read as Rejected and are reported
without a value. GetBaseReport answers at once and then sends the report as NotifyReport
messages (`REPORT_CHUNK` variables each, seqNo from 0, tbc on all but the last).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ocpp.routing import on
from ocpp.v201 import call, call_result, datatypes, enums
from ocpp.v201.enums import Action

from chargegrid.simulator.v201.device_model import READ_ONLY, WRITE_ONLY, Variable

if TYPE_CHECKING:
    from chargegrid.simulator.v201.adapter import V201Adapter

REPORT_CHUNK = 20
ACTUAL = enums.AttributeEnumType.actual


def _evse_of(component: dict[str, Any]) -> int | None:
    evse = component.get("evse")
    return int(evse["id"]) if evse else None


class DeviceModelHandlers:
    adapter: V201Adapter

    def _lookup(self, component: dict[str, Any], variable: dict[str, Any],
                attribute_type: str | None) -> tuple[str, Variable | None]:
        """(status, variable): Accepted with the variable, or why not."""
        model = self.adapter.config
        evse = _evse_of(component)
        if not model.knows_component(component["name"], evse):
            return "UnknownComponent", None
        found = model.find(component["name"], variable["name"],
                           instance=variable.get("instance"), evse=evse)
        if found is None:
            return "UnknownVariable", None
        if attribute_type not in (None, ACTUAL):
            return "NotSupportedAttributeType", None
        return "Accepted", found

    @on(Action.get_variables)
    def on_get_variables(self, get_variable_data: list[dict[str, Any]],
                         **_: Any) -> call_result.GetVariables:
        results = []
        for item in get_variable_data:
            status, var = self._lookup(item["component"], item["variable"],
                                       item.get("attribute_type"))
            value = None
            if var is not None:
                if var.mutability == WRITE_ONLY:
                    status = "Rejected"
                else:
                    value = var.actual
            results.append(datatypes.GetVariableResultType(
                attribute_status=enums.GetVariableStatusEnumType(status),
                component=item["component"], variable=item["variable"],
                attribute_type=item.get("attribute_type"), attribute_value=value))
        return call_result.GetVariables(get_variable_result=results)

    @on(Action.set_variables)
    def on_set_variables(self, set_variable_data: list[dict[str, Any]],
                         **_: Any) -> call_result.SetVariables:
        results = []
        for item in set_variable_data:
            status, var = self._lookup(item["component"], item["variable"],
                                       item.get("attribute_type"))
            if var is not None:
                status = self.adapter.config.set(var, str(item["attribute_value"]))
            results.append(datatypes.SetVariableResultType(
                attribute_status=enums.SetVariableStatusEnumType(status),
                component=item["component"], variable=item["variable"],
                attribute_type=item.get("attribute_type")))
        return call_result.SetVariables(set_variable_result=results)

    @on(Action.get_base_report)
    def on_get_base_report(self, request_id: int, report_base: str,
                           **_: Any) -> call_result.GetBaseReport:
        variables = list(self.adapter.config)
        if report_base == enums.ReportBaseEnumType.configuration_inventory:
            variables = [v for v in variables if v.mutability != READ_ONLY]
        elif report_base == enums.ReportBaseEnumType.summary_inventory:
            variables = [v for v in variables if v.name == "AvailabilityState"]
        data = [_report_data(v) for v in variables]
        adapter = self.adapter
        chunks = [data[i:i + REPORT_CHUNK] for i in range(0, len(data), REPORT_CHUNK)]
        for seq, chunk in enumerate(chunks):
            adapter.send(call.NotifyReport(
                request_id=request_id, generated_at=adapter.now(), seq_no=seq,
                report_data=chunk, tbc=seq < len(chunks) - 1))
        return call_result.GetBaseReport(
            status=enums.GenericDeviceModelStatusEnumType.accepted)


def _report_data(var: Variable) -> datatypes.ReportDataType:
    return datatypes.ReportDataType(
        component=datatypes.ComponentType(
            name=var.component,
            evse=datatypes.EVSEType(id=var.evse) if var.evse is not None else None),
        variable=datatypes.VariableType(name=var.name, instance=var.instance),
        variable_attribute=[datatypes.VariableAttributeType(
            type=ACTUAL, value=None if var.mutability == WRITE_ONLY else var.actual,
            mutability=enums.MutabilityEnumType(var.mutability),
            persistent=True, constant=var.mutability == READ_ONLY and var.getter is None)],
        variable_characteristics=datatypes.VariableCharacteristicsType(
            data_type=enums.DataEnumType(var.data_type), supports_monitoring=False,
            unit=var.unit, values_list=var.values_list))
