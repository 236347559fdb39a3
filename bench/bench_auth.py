"""Authentication costs: Argon2 at the configured parameters, password login and an
authenticated request through the ASGI app, and the rate-limit check with a large
`login_attempts` table (it must stay an index lookup).

    PYTHONPATH=src:. .venv/bin/python bench/bench_auth.py [--database-url URL]

Without --database-url a SQLite file in a temp dir is used (migrated first).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert

from chargegrid.api.app import create_app
from chargegrid.runtime import Runtime
from chargegrid.services import accounts
from chargegrid.services.auth import passwords, throttle
from chargegrid.services.auth.errors import LoginThrottledError
from chargegrid.services.auth.policy import AuthPolicy
from chargegrid.settings import Settings
from chargegrid.store.models import LoginAttempt

PASSWORD = "correct horse battery"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def line(name: str, samples_ms: list[float]) -> None:
    print(f"{name:<42} n={len(samples_ms):>4}  p50 {statistics.median(samples_ms):7.2f} ms"
          f"  p99 {pct(samples_ms, 0.99):7.2f} ms")


def bench_argon2(policy: AuthPolicy, n: int) -> None:
    hasher = passwords.make_hasher(policy)
    stored = hasher.hash(PASSWORD)
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        assert passwords.verify(hasher, stored, PASSWORD)
        samples.append((time.perf_counter() - t) * 1000)
    line(f"argon2 verify t={policy.argon2_time_cost} m={policy.argon2_memory_cost_kib}KiB "
         f"p={policy.argon2_parallelism}", samples)


async def bench_api(runtime: Runtime, logins: int, requests: int) -> None:
    app = create_app(runtime)
    with runtime.sessions() as s:
        accounts.create_user(s, email="bench@example.org", password=PASSWORD,
                             now=runtime.clock.now())
        s.commit()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://bench") as client:
        samples, token = [], ""
        for _ in range(logins):
            t = time.perf_counter()
            r = await client.post("/api/v1/auth/login",
                                  json={"email": "bench@example.org", "password": PASSWORD})
            samples.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, r.text
            token = r.json()["token"]
        line("POST /auth/login (ASGI, sequential)", samples)
        samples = []
        headers = {"Authorization": f"Bearer {token}"}
        for _ in range(requests):
            t = time.perf_counter()
            r = await client.get("/api/v1/auth/me", headers=headers)
            samples.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, r.text
        line("GET /auth/me with a session token", samples)


def bench_throttle(runtime: Runtime, rows: int, checks: int) -> None:
    policy = AuthPolicy.from_settings(runtime.settings)
    now = datetime.now(UTC)
    with runtime.sessions() as s:
        for first in range(0, rows, 10_000):
            s.execute(insert(LoginAttempt), [
                {"at": now - timedelta(seconds=i % 86_400), "email": f"u{i % 5000}@example.org",
                 "client_ip": f"10.{i % 250}.{(i // 250) % 250}.1", "success": i % 7 == 0,
                 "reason": "ok" if i % 7 == 0 else "bad_password"}
                for i in range(first, min(first + 10_000, rows))])
        s.commit()
        samples = []
        for i in range(checks):
            t = time.perf_counter()
            try:
                throttle.check(s, email=f"u{i % 5000}@example.org", client_ip="10.1.1.1",
                               now=now, policy=policy)
            except LoginThrottledError:
                pass
            samples.append((time.perf_counter() - t) * 1000)
    line(f"throttle.check with {rows:,} attempts stored", samples)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--logins", type=int, default=30)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--attempt-rows", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        settings = Settings(database_url=url)
        print(f"database: {url.split('://')[0]}")
        policy = AuthPolicy.from_settings(settings)
        bench_argon2(policy, 20)
        bench_argon2(AuthPolicy(argon2_time_cost=2, argon2_memory_cost_kib=19456,
                                argon2_parallelism=1), 20)
        runtime = Runtime.build(settings)
        try:
            await bench_api(runtime, args.logins, args.requests)
            bench_throttle(runtime, args.attempt_rows, 500)
        finally:
            await runtime.stop()


if __name__ == "__main__":
    asyncio.run(main())
