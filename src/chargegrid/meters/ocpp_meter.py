"""A meter fed by an OCPP station's own MeterValues (a push source).

Some sites have no separate gateway: a station with an integrated grid meter (or a
station that is the only load on a node) reports per-phase currents in MeterValues. This
driver knows nothing of OCPP: whoever listens on the bus calls `update()` with the
currents per *station* phase; the driver maps them to grid phases with the configured
rotation (the station's L1 may be wired to the cabinet's L3) and stamps the reading
with the injected clock. Incomplete or non-numeric data is logged and ignored.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chargegrid.clock import Clock
from chargegrid.meters.capabilities import PHASES, MeterReading, PhaseValues, ReadingSink
from chargegrid.meters.errors import MeterReadError
from chargegrid.meters.registry import Options, decode_options

log = logging.getLogger(__name__)

TYPE_NAME = "ocpp"


class OcppMeterOptions(BaseModel):
    """Options of a `type: ocpp` meter.

    `rotation` lists, for station phases L1, L2, L3 in that order, the grid phase each is
    wired to: ["L3", "L1", "L2"] means station L1 is on grid L3.
    """

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    station_id: str = Field(min_length=1)
    evse_id: int = Field(default=0, ge=0)
    rotation: tuple[str, str, str] = PHASES

    @field_validator("rotation")
    @classmethod
    def _permutation(cls, value: tuple[str, str, str]) -> tuple[str, str, str]:
        if sorted(value) != list(PHASES):
            raise ValueError("must be a permutation of L1, L2, L3")
        return value


def to_grid_phases(station_currents: Mapping[str, float],
                   rotation: tuple[str, str, str]) -> PhaseValues:
    """Pure: station-phase currents → grid-phase currents; ValueError if incomplete/bad."""
    grid: dict[str, float] = {}
    for station_phase, grid_phase in zip(PHASES, rotation, strict=True):
        if station_phase not in station_currents:
            raise ValueError(f"phase {station_phase} missing")
        value = station_currents[station_phase]
        if (isinstance(value, bool) or not isinstance(value, int | float)
                or not math.isfinite(value)):
            raise ValueError(f"phase {station_phase} is not a finite number: {value!r}")
        grid[grid_phase] = float(value)
    return PhaseValues.from_mapping(grid)


class OcppStationMeter:
    """Keeps the latest reading pushed via `update()`; `read()` hands it to the poller."""

    def __init__(self, options: OcppMeterOptions, clock: Clock,
                 sink: ReadingSink | None = None) -> None:
        self._opts = options
        self._clock = clock
        self._sink = sink
        self._latest: MeterReading | None = None

    @property
    def source_id(self) -> str:
        return self._opts.id

    @property
    def station_id(self) -> str:
        return self._opts.station_id

    @property
    def evse_id(self) -> int:
        return self._opts.evse_id

    @property
    def latest(self) -> MeterReading | None:
        return self._latest

    def set_sink(self, sink: ReadingSink | None) -> None:
        """Publish each accepted update as it arrives."""
        self._sink = sink

    def update(self, currents: Mapping[str, float], *, power_w: float | None = None,
               energy_wh: float | None = None) -> MeterReading | None:
        """Accept one sample from the station ({"L1": .., "L2": .., "L3": ..} on station phases).

        Returns the reading, or None (logged) when the sample is incomplete or not finite.
        """
        try:
            grid = to_grid_phases(currents, self._opts.rotation)
        except ValueError as err:
            log.warning("ocpp meter %r (station %s): sample ignored: %s",
                        self.source_id, self._opts.station_id, err)
            return None
        reading = MeterReading(self.source_id, self._clock.now(), grid, power_w, energy_wh)
        self._latest = reading
        if self._sink is not None:
            try:
                self._sink(reading)
            except Exception:
                log.exception("ocpp meter %r: reading sink failed", self.source_id)
        return reading

    async def read(self) -> MeterReading:
        if self._latest is None:
            raise MeterReadError(f"ocpp meter {self.source_id!r}: no sample received yet")
        return self._latest

    async def currents(self) -> PhaseValues:
        return (await self.read()).currents_a

    async def start(self) -> None:
        """Nothing to start: samples are pushed in."""

    async def close(self) -> None:
        """Nothing to release."""


def build_ocpp_meter(options: Options, clock: Clock) -> OcppStationMeter:
    """Factory for the registry."""
    return OcppStationMeter(decode_options(OcppMeterOptions, options, driver=TYPE_NAME), clock)
