"""The installer's two spreadsheets (seed Tables 1 and 2) as CSV, French or English headers.

Table 1 lists distributors (`Distributeur`, `Limite (A)`, `Point de connexion`); Table 2 the
stations (`ID de la station`, `Modèle de station`, `Sens de rotation du champ`,
`Rotation des phases`, `Limite`, `Point de connexion`). Installers keep these in
spreadsheets, so we accept tab, comma or semicolon separators, a blank first header (as in
the seed's Table 1) and values such as `22A`; rows become scenario dicts for `parse_scenario`.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from typing import Any

from chargegrid.ems.phases import PHASES
from chargegrid.ems.scenario import FORMAT, Scenario, ScenarioError

NODE_HEADERS = {
    "id": ("distributeur", "node", "distributor", "id", ""),
    "limit": ("limite (a)", "limite", "limit (a)", "limit", "limit_a"),
    "parent": ("point de connexion", "connection point", "parent"),
}
STATION_HEADERS = {
    "id": ("id de la station", "station id", "station", "id"),
    "model": ("modele de station", "station model", "model"),
    "field": ("sens de rotation du champ", "field rotation", "field_rotation"),
    "rotation": ("rotation des phases", "phase rotation", "phase_rotation"),
    "limit": ("limite", "limite (a)", "limit", "limit (a)", "max_a"),
    "node": ("point de connexion", "connection point", "node"),
}
FR_NODES = ("Distributeur", "Limite (A)", "Point de connexion")
EN_NODES = ("Node", "Limit (A)", "Connection point")
FR_STATIONS = ("ID de la station", "Modèle de station", "Sens de rotation du champ",
               "Rotation des phases", "Limite", "Point de connexion")
EN_STATIONS = ("Station ID", "Station model", "Field rotation", "Phase rotation", "Limit",
               "Connection point")


def _key(header: str) -> str:
    plain = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode()
    return " ".join(plain.strip().lower().split())


def _rows(text: str, table: str, wanted: dict[str, tuple[str, ...]]) -> list[dict[str, str]]:
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise ScenarioError(table, "empty table")
    sep = max("\t;,", key=lambda s: lines[0].count(s))
    reader = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=sep))
    header = [_key(h) for h in reader[0]]
    columns: dict[str, int] = {}
    for name, aliases in wanted.items():
        for k, h in enumerate(header):
            if h in aliases and k not in columns.values():
                columns[name] = k
                break
    missing = [n for n in wanted if n not in columns and n != "model"]
    if missing:
        raise ScenarioError(f"{table}.header", f"no column for {missing[0]} "
                            f"(expected one of {', '.join(repr(a) for a in wanted[missing[0]])})")
    return [{name: (row[k].strip() if k < len(row) else "") for name, k in columns.items()}
            for row in reader[1:]]


def _amps(value: str, path: str) -> float:
    text = value.strip().rstrip("Aa").strip().replace(",", ".")
    try:
        return float(text)
    except ValueError:
        raise ScenarioError(path, f"expected a current in A, got {value!r}") from None


def parse_nodes_csv(text: str) -> list[dict[str, Any]]:
    """Table 1 rows as scenario `nodes` entries."""
    out: list[dict[str, Any]] = []
    for k, row in enumerate(_rows(text, "nodes_csv", NODE_HEADERS)):
        node: dict[str, Any] = {"id": row["id"],
                                "limit_a": _amps(row["limit"], f"nodes_csv[{k}].limit")}
        if row["parent"]:
            node["parent"] = row["parent"]
        out.append(node)
    return out


def parse_stations_csv(text: str) -> list[dict[str, Any]]:
    """Table 2 rows as scenario `stations` entries (the vehicle fields keep defaults)."""
    out: list[dict[str, Any]] = []
    for k, row in enumerate(_rows(text, "stations_csv", STATION_HEADERS)):
        station: dict[str, Any] = {
            "id": row["id"], "node": row["node"],
            "field_rotation": row["field"].upper() or "R",
            "phase_rotation": row["rotation"].upper(),
            "max_a": _amps(row["limit"], f"stations_csv[{k}].limit")}
        if row.get("model"):
            station["model"] = row["model"]
        out.append(station)
    return out


def tables_to_scenario(nodes_csv: str, stations_csv: str) -> dict[str, Any]:
    """A scenario dict (static load management: no base load) from the two tables."""
    return {"format": FORMAT, "nodes": parse_nodes_csv(nodes_csv),
            "stations": parse_stations_csv(stations_csv)}


def _write(header: tuple[str, ...], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _amp_text(value: float) -> str:
    return f"{value:g}"


def nodes_to_csv(scenario: Scenario, *, french: bool = True) -> str:
    """Table 1 as CSV (the smallest phase limit when they differ: the table has one)."""
    return _write(FR_NODES if french else EN_NODES,
                  [[n.id, _amp_text(min(n.limit_a)), n.parent or ""] for n in scenario.nodes])


def stations_to_csv(scenario: Scenario, *, french: bool = True) -> str:
    """Table 2 as CSV."""
    return _write(FR_STATIONS if french else EN_STATIONS,
                  [[s.id, s.model or "", s.field_rotation, PHASES[s.phase_rotation],
                    f"{_amp_text(s.max_a)}A", s.node] for s in scenario.stations])
