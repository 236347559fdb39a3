"""Bulk import at 100,000 rows, on SQLite and PostgreSQL.

Per kind (users, vehicles, tokens, stations): a file with 50 bad rows (must be rejected
with exactly those 50 lines reported and nothing stored), the fixed file (everything
created), then the same file again (all unchanged, nothing written). Prints wall times.

    .venv/bin/python bench/bench_import.py                      # both backends, all kinds
    .venv/bin/python bench/bench_import.py --backend sqlite --rows 10000 --kinds tokens
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from sqlalchemy import func, select

from chargegrid.imports import ImportRejectedError, run_import
from chargegrid.store.database import create_db_engine, create_session_factory, migrate
from chargegrid.store.models import IdToken, Station, User, Vehicle

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
MODELS = {"users": User, "vehicles": Vehicle, "tokens": IdToken, "stations": Station}
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def _vin(n: int) -> str:
    rng = random.Random(n)
    return "".join(rng.choice(VIN_CHARS) for _ in range(17))


def rows_for(kind: str, n: int) -> tuple[str, Callable[[int], str], Callable[[int], str]]:
    """Header, a good row i, and a bad row i (one bad field) for `kind`."""
    if kind == "users":
        return ("email,name,role",
                lambda i: f"user{i}@example.org,User {i},driver",
                lambda i: f"user{i}-at-example.org,User {i},driver")
    if kind == "vehicles":
        return ("licence_plate,label,vin,user_email",
                lambda i: f"CG{i:07d},Car {i},{_vin(i)},user{i}@example.org",
                lambda i: f"CG{i:07d},Car {i},TOO-SHORT,user{i}@example.org")
    if kind == "tokens":
        return ("token,status,expires_at,label,user_email",
                lambda i: f"{i:014X},Accepted,2030-01-01T00:00:00Z,card {i},user{i}@example.org",
                lambda i: f"{i:014X},Nope,2030-01-01T00:00:00Z,card {i},user{i}@example.org")
    return ("id,vendor,model,serial_number,max_current_a",
            lambda i: f"ST{i:07d},Vendor,Model X,SN{i},32",
            lambda i: f"ST{i:07d},Vendor,Model X,SN{i},lots")


def make_file(kind: str, n: int, bad: set[int]) -> bytes:
    header, good_row, bad_row = rows_for(kind, n)
    lines = [header] + [bad_row(i) if i in bad else good_row(i) for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


@contextmanager
def database(backend: str) -> Iterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.db'}"
        return
    name = f"cg_bench_import_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(backend: str, kinds: list[str], n: int) -> None:
    with database(backend) as url:
        migrate(url)
        engine = create_db_engine(url)
        sessions = create_session_factory(engine)
        rng = random.Random(7)
        for kind in kinds:
            bad = set(rng.sample(range(n), 50))
            bad_lines = sorted(i + 2 for i in bad)  # the header is line 1
            broken, fixed = make_file(kind, n, bad), make_file(kind, n, set())
            with sessions() as s:
                started = time.perf_counter()
                try:
                    run_import(s, kind=kind, data=broken, organisation_id=1,
                               now=datetime.now(UTC))
                    raise SystemExit(f"{kind}: the broken file was accepted")
                except ImportRejectedError as err:
                    lines = sorted({e.line for e in err.report.errors})
                    t_bad = time.perf_counter() - started
                s.rollback()
                stored = s.scalar(select(func.count()).select_from(MODELS[kind]))
            assert lines == bad_lines, f"{kind}: reported {lines[:5]}… expected {bad_lines[:5]}…"
            assert stored == 0, f"{kind}: {stored} rows stored from a rejected file"
            timings = []
            for _ in range(2):
                with sessions() as s:
                    started = time.perf_counter()
                    report = run_import(s, kind=kind, data=fixed, organisation_id=1,
                                        now=datetime.now(UTC))
                    s.commit()
                    timings.append((time.perf_counter() - started, report))
            (t_full, first), (t_again, second) = timings
            assert first.created == n and second.unchanged == n, (first, second)
            assert second.created == second.updated == 0
            print(f"{backend:10} {kind:9} rows={n:,}  rejected(50 bad, all reported)="
                  f"{t_bad:5.2f}s  import={t_full:5.2f}s  re-import(no-op)={t_again:5.2f}s",
                  flush=True)
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--kinds", default="users,vehicles,tokens,stations")
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    kinds = args.kinds.split(",")
    if {"vehicles", "tokens"} & set(kinds) and "users" not in kinds:
        kinds.insert(0, "users")  # their rows name users by e-mail
    for backend in backends:
        run(backend, kinds, args.rows)


if __name__ == "__main__":
    main()
