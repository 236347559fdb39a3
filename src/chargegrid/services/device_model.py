"""A station's device model (components, variables, attributes) as it reported it, and the
Basic-auth password rotation that goes through it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from chargegrid.domain.commands import SetVariables, VariableRef, VariableSetting
from chargegrid.services import stations
from chargegrid.services.commands import CommandService
from chargegrid.store.models import StationVariable

BASIC_AUTH_PASSWORD = VariableRef("SecurityCtrlr", "BasicAuthPassword")


@dataclass(frozen=True, slots=True)
class VariableReport:
    """One reported attribute of a component variable (NotifyReport, GetVariables, NotifyEvent)."""

    component: str
    variable: str
    value: str | None
    attribute_type: str = "Actual"
    evse_id: int | None = None
    connector_id: int | None = None
    component_instance: str | None = None
    variable_instance: str | None = None
    mutability: str | None = None
    data_type: str | None = None
    unit: str | None = None


def record_report(session: Session, *, station_id: str, reports: Iterable[VariableReport],
                  now: datetime) -> int:
    """Upsert reported attributes; returns how many were stored. Mutability and type are kept
    when a later report (GetVariables, NotifyEvent) does not repeat them."""
    stations.get_or_raise(session, station_id=station_id)
    count = 0
    for r in reports:
        row = session.scalars(select(StationVariable).where(
            StationVariable.station_id == station_id,
            StationVariable.component == r.component,
            StationVariable.component_instance == (r.component_instance or ""),
            StationVariable.evse_id == (r.evse_id or 0),
            StationVariable.connector_id == (r.connector_id or 0),
            StationVariable.variable == r.variable,
            StationVariable.variable_instance == (r.variable_instance or ""),
            StationVariable.attribute_type == r.attribute_type,
        )).one_or_none()
        if row is None:
            row = StationVariable(
                station_id=station_id, component=r.component,
                component_instance=r.component_instance or "", evse_id=r.evse_id or 0,
                connector_id=r.connector_id or 0, variable=r.variable,
                variable_instance=r.variable_instance or "", attribute_type=r.attribute_type)
            session.add(row)
        row.value = r.value
        row.mutability = r.mutability or row.mutability
        row.data_type = r.data_type or row.data_type
        row.unit = r.unit or row.unit
        row.updated_at = now
        count += 1
        session.flush()
    return count


def list_for_station(session: Session, *, station_id: str,
                     component: str | None = None) -> list[StationVariable]:
    """The station's reported variables, by component and variable."""
    query = select(StationVariable).where(StationVariable.station_id == station_id)
    if component is not None:
        query = query.where(StationVariable.component == component)
    return list(session.scalars(query.order_by(
        StationVariable.component, StationVariable.evse_id, StationVariable.connector_id,
        StationVariable.variable, StationVariable.attribute_type)))


def get_value(session: Session, *, station_id: str, component: str, variable: str,
              evse_id: int | None = None) -> str | None:
    """The Actual value of a station variable as last reported, or None."""
    return session.scalar(select(StationVariable.value).where(
        StationVariable.station_id == station_id, StationVariable.component == component,
        StationVariable.variable == variable, StationVariable.evse_id == (evse_id or 0),
        StationVariable.attribute_type == "Actual"))


async def rotate_basic_auth_password(
    *, commands: CommandService, session_factory: sessionmaker[Session], station_id: str,
    password: str, requested_by: str | None = None,
) -> str:
    """Give the station a new Basic-auth password (security profiles 1 and 2): the station is
    told first (SetVariables SecurityCtrlr.BasicAuthPassword), and only once it accepted is
    the new password required of it; the station reconnects with it. Returns the station's
    answer status."""
    stations.check_password(password)
    command = SetVariables((VariableSetting(BASIC_AUTH_PASSWORD, password),))
    _, result = await commands.send(station_id, command, requested_by=requested_by)
    if result.status in {"Accepted", "RebootRequired"}:
        await asyncio.to_thread(_store_password, session_factory, station_id, password)
    return result.status


def _store_password(session_factory: sessionmaker[Session], station_id: str,
                    password: str) -> None:
    with session_factory() as session:
        stations.update(session, station_id=station_id, password=password)
        session.commit()
