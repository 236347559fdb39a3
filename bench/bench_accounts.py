"""What scoping costs per request: one `require(...)` (role look-up, organisation tree,
grants, path-object check, audit entry for writes) on an installation with many
organisations, stations and grants, through the ASGI app in-process.

    PYTHONPATH=src:. .venv/bin/python bench/bench_accounts.py [--orgs 50] [--stations 40]
        [--requests 300] [--database-url URL]

Without --database-url a SQLite file in a temp dir is used (migrated first). The baseline
is the same request shape without scoping: `GET /api/v1/health` (no token) and the token
check alone (`GET /api/v1/auth/me`).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from chargegrid.api.app import create_app
from chargegrid.runtime import Runtime
from chargegrid.services import accounts, organisations, stations
from chargegrid.settings import Settings
from chargegrid.store.models import AccessGrant, Site


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def line(name: str, samples_ms: list[float]) -> None:
    print(f"{name:<46} n={len(samples_ms):>4}  p50 {statistics.median(samples_ms):7.2f} ms"
          f"  p99 {pct(samples_ms, 0.99):7.2f} ms")


def populate(runtime: Runtime, orgs: int, per_org: int) -> tuple[str, str, str]:
    """`orgs` organisations (each with a subsidiary) of `per_org` stations on one site, every
    organisation granted installer on its neighbour's site; returns a token of org 1's admin,
    one of its stations and one station of another organisation."""
    now = runtime.clock.now()
    with runtime.sessions() as s:
        org_ids = [1] + [organisations.create(s, name=f"org-{i}", parent_id=None, now=now).id
                         for i in range(1, orgs)]
        site_ids = []
        for org in org_ids:
            organisations.create(s, name=f"sub-of-{org}", parent_id=org, now=now)
            site = Site(name=f"site-{org}", topology={"nodes": []}, organisation_id=org,
                        created_at=now, updated_at=now)
            s.add(site)
            s.flush()
            site_ids.append(site.id)
            for k in range(per_org):
                st = stations.create(s, station_id=f"ST-{org}-{k}", now=now, organisation_id=org)
                st.site_id = site.id
        for i, org in enumerate(org_ids):
            s.add(AccessGrant(organisation_id=org, site_id=site_ids[i], role="installer",
                              grantee_organisation_id=org_ids[(i + 1) % len(org_ids)],
                              created_at=now))
        admin = accounts.create_user(s, email="admin@org1.example", now=now, organisation_id=1)
        _, clear = accounts.issue_token(s, user=admin, name="bench", now=now)
        s.commit()
    # The last organisation granted org 1 its site; the one before did not.
    return clear, "ST-1-0", f"ST-{org_ids[-2]}-0"


async def run(runtime: Runtime, token: str, own: str, other: str, n: int) -> None:
    app = create_app(runtime)
    headers = {"Authorization": f"Bearer {token}"}
    cases = [
        ("GET /health (no token, baseline)", "GET", "/api/v1/health", None, None),
        ("GET /auth/me (token check only)", "GET", "/api/v1/auth/me", headers, None),
        ("GET /stations?limit=100 (scoped list)", "GET", "/api/v1/stations?limit=100",
         headers, None),
        ("GET /stations/{own}", "GET", f"/api/v1/stations/{own}", headers, None),
        ("GET /stations/{other org} -> 404", "GET", f"/api/v1/stations/{other}", headers, None),
        ("PATCH /stations/{own} (+ audit entry)", "PATCH", f"/api/v1/stations/{own}", headers,
         {"registration_status": "Accepted"}),
    ]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://bench") as client:
        for name, method, url, hdrs, body in cases:
            samples = []
            for i in range(n + 10):
                t = time.perf_counter()
                r = await client.request(method, url, headers=hdrs, json=body)
                elapsed = (time.perf_counter() - t) * 1000
                assert r.status_code == (404 if "404" in name else 200), (url, r.status_code)
                if i >= 10:  # warm-up
                    samples.append(elapsed)
            line(name, samples)
        listed = (await client.get("/api/v1/stations?limit=500", headers=headers)).json()
        print(f"stations visible to org 1's admin: {len(listed)} (its own + the granted site's)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orgs", type=int, default=50)
    parser.add_argument("--stations", type=int, default=40, help="per organisation")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        runtime = Runtime.build(Settings(database_url=url), run_migrations=True)
        token, own, other = populate(runtime, args.orgs, args.stations)
        print(f"{args.orgs} organisations (+1 subsidiary each), {args.orgs * args.stations} "
              f"stations, {args.orgs} grants; {url.split(':')[0]}")
        asyncio.run(run(runtime, token, own, other, args.requests))


if __name__ == "__main__":
    main()
