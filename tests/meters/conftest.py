"""Fixtures for meter tests: a fixed clock and a simulated Modbus meter on loopback
(`modbus_sim.py`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from chargegrid.clock import FixedClock

from .modbus_sim import UNIT_ID, SimulatedMeter, free_port, wait_for

__all__ = ["UNIT_ID", "SimulatedMeter", "free_port", "wait_for"]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2025, 3, 1, 12, 0, tzinfo=UTC))


@pytest.fixture
async def modbus_sim() -> AsyncIterator[SimulatedMeter]:
    sim = SimulatedMeter(free_port())
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()
