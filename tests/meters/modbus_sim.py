"""A simulated Modbus TCP meter: a real pymodbus server on 127.0.0.1 (a free port each) whose
registers a test writes through `SimulatedMeter.set()`; `delay_s` makes it answer late so
timeouts are tested against real sockets, not mocks. Used by the meter tests and by the
site acceptance test (tests/control)."""

from __future__ import annotations

import asyncio
import contextlib
import socket

from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from chargegrid.meters.registermap import DataType as RegType
from chargegrid.meters.registermap import WordOrder, encode

UNIT_ID = 1
BLOCKS = ((0, 400), (19000, 200))  # SDM630/EM24 low registers; Janitza B-series at 19xxx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def wait_for(predicate: object, timeout: float = 5.0, what: str = "condition") -> None:
    """Poll a zero-argument callable until it is truthy; fail the test after `timeout`."""
    assert callable(predicate)
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


class SimulatedMeter:
    """The register contents of one simulated device, shared by input and holding tables."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.registers: dict[int, int] = {}
        self.delay_s = 0.0
        self.requests = 0
        self._server: ModbusTcpServer | None = None
        self._task: asyncio.Task[None] | None = None

    def set(self, address: int, value: float, data_type: RegType = "float32",
            word_order: WordOrder = "big", scale: float = 1.0) -> None:
        for i, word in enumerate(encode(value, data_type, word_order, scale)):
            self.registers[address + i] = word

    async def _action(self, function_code: int, start_address: int, address: int, count: int,
                      current_registers: list[int], set_values: object) -> None:
        self.requests += 1
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        for i in range(count):
            current_registers[address - start_address + i] = self.registers.get(address + i, 0)

    async def start(self) -> None:
        blocks = [SimData(a, count=n, values=0, datatype=DataType.REGISTERS) for a, n in BLOCKS]
        device = SimDevice(id=UNIT_ID, simdata=blocks, action=self._action)
        self._server = ModbusTcpServer(device, address=("127.0.0.1", self.port))
        self._task = asyncio.create_task(self._server.serve_forever())

        async def listening() -> None:
            while True:
                try:
                    _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                except OSError:
                    await asyncio.sleep(0.01)
                    continue
                writer.close()
                await writer.wait_closed()
                return

        async with asyncio.timeout(5):
            await listening()

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.shutdown()  # type: ignore[no-untyped-call]
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        self._server = self._task = None
