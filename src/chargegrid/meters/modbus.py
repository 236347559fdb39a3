"""Modbus TCP meter: reads per-phase currents (and power/energy when mapped) from a
register map, with a bounded timeout and a reconnect on the next read after any failure.

Failures never produce a reading: a timeout, a refused connection, an exception response
or a non-finite value all raise `MeterReadError`, so the meter simply goes stale and the
controller falls back to the static limits for its part of the tree.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ModbusException

from chargegrid.clock import Clock
from chargegrid.meters.capabilities import MeterReading, PhaseValues
from chargegrid.meters.errors import MeterReadError
from chargegrid.meters.registermap import (
    CURRENT_FIELDS,
    OPTIONAL_FIELDS,
    RegisterMap,
    decode,
    load_shipped_map,
    parse_register_map,
    word_count,
)
from chargegrid.meters.registry import Options, decode_options

log = logging.getLogger(__name__)

TYPE_NAME = "modbus"


class ModbusOptions(BaseModel):
    """Options of a `type: modbus` meter; exactly one of `model` or `register_map`."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    host: str = Field(min_length=1)
    port: int = Field(default=502, ge=1, le=65535)
    unit_id: int = Field(default=1, ge=0, le=255)
    model: str | None = None
    register_map: dict[str, Any] | None = None
    timeout_s: float = Field(default=2.0, gt=0, le=60)

    @model_validator(mode="after")
    def _one_map(self) -> ModbusOptions:
        if (self.model is None) == (self.register_map is None):
            raise ValueError("give exactly one of 'model' (a shipped map) or 'register_map'")
        return self


class ModbusMeter:
    """A pull meter on Modbus TCP. Implements PhaseCurrents, and CurrentPower /
    EnergyRegister when its map has `power_w` / `energy_wh` (callers check `has_power`)."""

    def __init__(self, options: ModbusOptions, register_map: RegisterMap, clock: Clock) -> None:
        self._opts = options
        self._map = register_map
        self._clock = clock
        self._client: AsyncModbusTcpClient | None = None
        self._lock = asyncio.Lock()

    @property
    def source_id(self) -> str:
        return self._opts.id

    @property
    def register_map(self) -> RegisterMap:
        return self._map

    @property
    def has_power(self) -> bool:
        return "power_w" in self._map.fields

    @property
    def has_energy(self) -> bool:
        return "energy_wh" in self._map.fields

    async def start(self) -> None:
        """Nothing to do: the connection is opened by the first read (and after failures)."""

    async def close(self) -> None:
        """Drop the TCP connection; a later read reconnects."""
        client, self._client = self._client, None
        if client is not None:
            client.close()

    async def read(self) -> MeterReading:
        """Read every mapped field in one go; all-or-nothing so a reading is consistent."""
        async with self._lock:
            try:
                # timeout_s bounds each request; the whole read gets one per request plus
                # the connect, so a slow-but-alive meter is not cut off mid-read.
                budget = self._opts.timeout_s * (len(self._map.fields) + 1)
                async with asyncio.timeout(budget):
                    values = await self._read_fields()
            except MeterReadError:
                await self.close()
                raise
            except (TimeoutError, ModbusException, OSError, ValueError) as err:
                await self.close()
                raise MeterReadError(
                    f"modbus meter {self.source_id!r} at {self._opts.host}:{self._opts.port}"
                    f" unit {self._opts.unit_id}: {type(err).__name__}: {err}") from err
        return MeterReading(
            source_id=self.source_id,
            timestamp=self._clock.now(),
            currents_a=PhaseValues(*(values[f] for f in CURRENT_FIELDS)),
            power_w=values.get("power_w"),
            energy_wh=values.get("energy_wh"),
        )

    async def currents(self) -> PhaseValues:
        return (await self.read()).currents_a

    async def current_power(self) -> float:
        power = (await self.read()).power_w
        if power is None:
            raise MeterReadError(f"modbus meter {self.source_id!r}: map has no power_w")
        return power

    async def total_energy(self) -> float:
        energy = (await self.read()).energy_wh
        if energy is None:
            raise MeterReadError(f"modbus meter {self.source_id!r}: map has no energy_wh")
        return energy

    async def _connected_client(self) -> AsyncModbusTcpClient:
        if self._client is not None and self._client.connected:
            return self._client
        await self.close()
        # reconnect_delay=0: no background reconnect loop; we reconnect on the next read,
        # paced by the poller's back-off. retries=0: one attempt, our timeout bounds it.
        client = AsyncModbusTcpClient(
            self._opts.host, port=self._opts.port, timeout=self._opts.timeout_s,
            retries=0, reconnect_delay=0)
        if not await client.connect():
            client.close()
            raise MeterReadError(
                f"modbus meter {self.source_id!r}: cannot connect to "
                f"{self._opts.host}:{self._opts.port}")
        self._client = client
        return client

    async def _read_fields(self) -> dict[str, float]:
        client = await self._connected_client()
        values: dict[str, float] = {}
        for name in (*CURRENT_FIELDS, *OPTIONAL_FIELDS):
            if name not in self._map.fields:
                continue
            address, table, data_type, word_order, scale = self._map.resolved(name)
            count = word_count(data_type)
            if table == "input":
                response = await client.read_input_registers(
                    address, count=count, device_id=self._opts.unit_id)
            else:
                response = await client.read_holding_registers(
                    address, count=count, device_id=self._opts.unit_id)
            if response.isError():
                raise MeterReadError(
                    f"modbus meter {self.source_id!r}: {name} at {table} register {address}: "
                    f"device answered {response}")
            try:
                values[name] = decode(list(response.registers), data_type, word_order, scale)
            except ValueError as err:
                raise MeterReadError(
                    f"modbus meter {self.source_id!r}: {name} at {table} register {address}: "
                    f"{err}") from err
        return values


def build_modbus_meter(options: Options, clock: Clock) -> ModbusMeter:
    """Factory for the registry: validate options, resolve the register map."""
    opts = decode_options(ModbusOptions, options, driver=TYPE_NAME)
    if opts.model is not None:
        register_map = load_shipped_map(opts.model)
    else:
        register_map = parse_register_map(opts.register_map, origin=f"of meter {opts.id!r}")
    return ModbusMeter(opts, register_map, clock)
