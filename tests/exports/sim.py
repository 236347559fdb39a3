"""Simulated charging sessions written straight into the store, as the OCPP layer would
leave them: a transaction with meterStart/meterStop and its raw meter values.

A session is a list of phases: ("charge", minutes, kW) or ("pause", minutes); samples are
taken every `step_s` seconds. The expected operations follow from the phases, not from the
code under test.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.orm import Session

from chargegrid.services import stations
from chargegrid.store.models import MeterValue, Transaction

Phase = tuple[str, float, float]


@dataclass
class SimSession:
    station_id: str
    evse_id: int
    start: datetime
    meter_start_wh: int
    phases: list[Phase]
    step_s: int = 60
    fine: bool = True  # register samples; False: none, only meterStart/meterStop
    unit: str = "Wh"
    id_tag: str | None = "TAG1"

    def register_series(self) -> list[tuple[datetime, int]]:
        """(time, register Wh) at every sample instant, ends included."""
        t, wh = self.start, self.meter_start_wh
        series = [(t, wh)]
        for kind, minutes, kw in self.phases:
            for _ in range(int(minutes * 60 // self.step_s)):
                t += timedelta(seconds=self.step_s)
                if kind == "charge":
                    wh += round(kw * 1000 * self.step_s / 3600)
                series.append((t, wh))
        return series

    @property
    def expected_operations(self) -> int:
        return sum(1 for kind, _, _ in self.phases if kind == "charge")

    @property
    def end(self) -> datetime:
        return self.register_series()[-1][0]

    @property
    def meter_stop_wh(self) -> int:
        return self.register_series()[-1][1]


def write(session: Session, sim: SimSession, *, now: datetime) -> int:
    """Store the session; returns the transaction id."""
    if stations.get(session, station_id=sim.station_id) is None:
        stations.create(session, station_id=sim.station_id, now=now)
    series = sim.register_series()
    tx = Transaction(uid="", station_id=sim.station_id, evse_id=sim.evse_id, connector_id=1,
                     id_tag=sim.id_tag, auth_status="Accepted" if sim.id_tag else None,
                     state="ended", started_at=sim.start, stopped_at=series[-1][0],
                     meter_start_wh=sim.meter_start_wh, meter_stop_wh=series[-1][1],
                     energy_wh=series[-1][1] - sim.meter_start_wh,
                     created_at=now, updated_at=now)
    session.add(tx)
    session.flush()
    tx.uid = str(tx.id)
    samples = series if sim.fine else []
    rows = []
    for i, (t, wh) in enumerate(samples):
        context = ("Transaction.Begin" if i == 0 else
                   "Transaction.End" if i == len(samples) - 1 else "Sample.Periodic")
        value = f"{wh / 1000:.3f}" if sim.unit == "kWh" else str(round(wh))
        rows.append(_row(sim, tx.id, t, value, "Energy.Active.Import.Register",
                         sim.unit, context, now))
    if rows:
        session.execute(insert(MeterValue), rows)
    return tx.id


def _row(sim: SimSession, tx_id: int, t: datetime, value: str, measurand: str,
         unit: str, context: str, now: datetime) -> dict[str, object]:
    return {"station_id": sim.station_id, "evse_id": sim.evse_id, "connector_id": 1,
            "transaction_id": tx_id, "timestamp": t, "value": value,
            "value_number": float(value), "measurand": measurand, "phase": None,
            "unit": unit, "context": context, "location": "Outlet", "format": "Raw",
            "signed_data": None, "received_at": now}


def month(start: datetime, stations_: list[str], *, seed: int = 7) -> list[SimSession]:
    """A month of sessions on two EVSEs per station: most charged straight through, a third
    paused and resumed by the EMS, some with only start/stop readings, all kinds of
    authorisation (tag, none), some in kWh."""
    rng = random.Random(seed)
    sims: list[SimSession] = []
    registers = {(s, e): rng.randint(0, 50_000) for s in stations_ for e in (1, 2)}
    for day in range(30):
        for station in stations_:
            for evse in (1, 2):
                t = start + timedelta(days=day, hours=rng.randint(6, 10),
                                      minutes=rng.randint(0, 59))
                for _ in range(rng.randint(1, 2)):
                    kw = rng.choice([3.7, 7.4, 11.0, 22.0])
                    phases: list[Phase] = [("pause", rng.randint(0, 3), 0)]
                    phases.append(("charge", rng.randint(10, 60), kw))
                    for _ in range(rng.choice([0, 0, 1, 2])):  # EMS pauses
                        phases.append(("pause", rng.randint(2, 20), 0))
                        phases.append(("charge", rng.randint(5, 40), kw))
                    phases.append(("pause", rng.randint(0, 30), 0))  # full, still plugged
                    sim = SimSession(station, evse, t, registers[(station, evse)], phases,
                                     fine=rng.random() > 0.15,
                                     unit=rng.choice(["Wh", "Wh", "kWh"]),
                                     id_tag=rng.choice(["TAG1", None, "ROAMING-FR-XYZ"]))
                    if not sim.fine:
                        sim.phases = [p for p in phases if p[0] == "charge"][:1]
                    sims.append(sim)
                    registers[(station, evse)] = sim.meter_stop_wh
                    t = sim.end + timedelta(minutes=rng.randint(10, 120))
    return sims
