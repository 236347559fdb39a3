"""How many connected stations one ChargeGrid process holds, at a realistic message rate.

What it measures: it starts ChargeGrid's OCPP server (serve_chargegrid.py, SQLite in a temp
dir, unknown stations accepted) and, from separate client processes (the client costs CPU
too; --clients of them share the stations), opens N concurrent OCPP 1.6 station WebSocket
connections on loopback at a bounded rate. Each station sends BootNotification, then
Heartbeat every 60 s and MeterValues (10 sampled values) every 10 s, the phases spread
evenly over the stations with a little jitter. Once every station is connected, it
measures for --duration seconds: round-trip latency of every message (p50/p99/max, also per
action), connection errors (refused/failed upgrades, drops, CALLERRORs, timeouts) and the
server's RSS and CPU use, then prints a summary (and a JSON line).

    .venv/bin/python bench/bench_ocpp_connections.py                      # 5,000 stations, 120 s
    .venv/bin/python bench/bench_ocpp_connections.py -n 2000 --duration 60 --clients 2
    .venv/bin/python bench/bench_ocpp_connections.py --database-url postgresql://u:p@127.0.0.1/cg

Both the server and the client processes raise their soft open-file limit (RLIMIT_NOFILE)
to the hard limit; if the hard limit is below what N connections need, it says so.
Only the processes it started are stopped, by PID.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SERVE_CHARGEGRID = ROOT / "bench" / "serve_chargegrid.py"
HEARTBEAT_S = 60.0
METER_VALUES_S = 10.0
ANSWER_TIMEOUT_S = 30.0
SERVER_LINES: list[str] = []  # the server's stdout, after READY


def raise_nofile_limit(needed: int) -> str | None:
    """Soft RLIMIT_NOFILE up to the hard limit; a warning when that is still too low."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, needed)
    if soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError) as err:
            return f"could not raise RLIMIT_NOFILE: {err}"
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        return (f"open-file limit {soft} (hard {hard}) is below the {needed} needed: raise "
                "the hard limit (ulimit -Hn, /etc/security/limits.conf)")
    return None


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * q))]


# --------------------------------------------------------------------------- client worker


def meter_values_frame(i: int) -> str:
    ts = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    sv: list[dict[str, str]] = [
        {"value": str(1000 + i), "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]
    sv += [{"value": "16.0", "measurand": "Current.Import", "phase": f"L{k}", "unit": "A"}
           for k in (1, 2, 3)]
    sv += [{"value": "230.0", "measurand": "Voltage", "phase": f"L{k}-N", "unit": "V"}
           for k in (1, 2, 3)]
    sv += [{"value": "11000", "measurand": "Power.Active.Import", "unit": "W"},
           {"value": "50.0", "measurand": "Frequency"},
           {"value": "60", "measurand": "SoC", "unit": "Percent"}]
    return json.dumps([2, uuid.uuid4().hex, "MeterValues", {
        "connectorId": 1, "meterValue": [{"timestamp": ts, "sampledValue": sv}]}])


def call_frame(action: str, payload: dict[str, Any]) -> str:
    return json.dumps([2, uuid.uuid4().hex, action, payload])


@dataclass
class WorkerStats:
    connected: int = 0
    booted: int = 0
    connect_errors: int = 0
    dropped: int = 0
    call_errors: int = 0
    timeouts: int = 0
    connect_s: list[float] = field(default_factory=list)
    boot_ms: list[float] = field(default_factory=list)
    latency_ms: dict[str, list[float]] = field(default_factory=lambda: {
        "Heartbeat": [], "MeterValues": []})
    messages: int = 0
    errors_sample: list[str] = field(default_factory=list)


class Worker:
    def __init__(self, url: str, ids: list[int], total: int, rate: float, seed: int) -> None:
        self.url, self.ids, self.total, self.rate = url, ids, total, rate
        self.stats = WorkerStats()
        self.measuring = False
        self.stopping = asyncio.Event()
        self.rng = random.Random(seed)

    def _error(self, kind: str, detail: str) -> None:
        if len(self.stats.errors_sample) < 10:
            self.stats.errors_sample.append(f"{kind}: {detail[:200]}")

    async def station(self, k: int, start_at: float) -> None:
        from websockets.asyncio.client import connect

        loop = asyncio.get_running_loop()
        await asyncio.sleep(max(0.0, start_at - loop.time()))
        t0 = time.perf_counter()
        try:
            ws = await connect(f"{self.url}/BENCH{k:06d}", subprotocols=["ocpp1.6"],
                               open_timeout=120, ping_interval=None, max_queue=None,
                               compression=None)
        except Exception as err:
            self.stats.connect_errors += 1
            self._error("connect", repr(err))
            return
        self.stats.connect_s.append(time.perf_counter() - t0)
        self.stats.connected += 1
        i = 0
        try:
            async def rpc(frame: str, action: str) -> None:
                t = time.perf_counter()
                await ws.send(frame)
                try:
                    answer = json.loads(await asyncio.wait_for(ws.recv(), ANSWER_TIMEOUT_S))
                except TimeoutError:
                    self.stats.timeouts += 1
                    self._error("timeout", action)
                    return
                ms = (time.perf_counter() - t) * 1000
                if answer[0] != 3:
                    self.stats.call_errors += 1
                    self._error("callerror", json.dumps(answer))
                if action == "BootNotification":
                    self.stats.boot_ms.append(ms)
                elif self.measuring:
                    self.stats.latency_ms[action].append(ms)
                    self.stats.messages += 1

            await rpc(call_frame("BootNotification", {"chargePointVendor": "Bench",
                                                      "chargePointModel": "Load"}),
                      "BootNotification")
            self.stats.booted += 1
            # Phases spread evenly over all stations, plus up to 5 % jitter.
            now = loop.time()
            next_mv = now + METER_VALUES_S * (k / self.total) + self.rng.uniform(0, 0.5)
            next_hb = now + HEARTBEAT_S * (k / self.total) + self.rng.uniform(0, 3)
            while not self.stopping.is_set():
                due = min(next_mv, next_hb)
                delay = due - loop.time()
                if delay > 0:
                    try:
                        await asyncio.wait_for(self.stopping.wait(), delay)
                        break
                    except TimeoutError:
                        pass
                if next_mv <= next_hb:
                    i += 1
                    await rpc(meter_values_frame(i), "MeterValues")
                    next_mv += METER_VALUES_S
                else:
                    await rpc(call_frame("Heartbeat", {}), "Heartbeat")
                    next_hb += HEARTBEAT_S
        except Exception as err:
            if not self.stopping.is_set():
                self.stats.dropped += 1
                self._error("dropped", repr(err))
        finally:
            await ws.close()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        start = loop.time() + 0.5
        tasks = [asyncio.create_task(self.station(k, start + j / self.rate))
                 for j, k in enumerate(self.ids)]
        # Report when every station of this worker has connected and booted (or failed),
        # then wait for the coordinator: GO starts the measurement, STOP ends it.
        s = self.stats
        while s.booted + s.connect_errors + s.dropped + s.timeouts < len(self.ids):
            await asyncio.sleep(0.2)
        print("CONNECTED " + json.dumps({"connected": s.connected, "booted": s.booted,
                                         "errors": s.connect_errors}), flush=True)
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while True:
            line = (await reader.readline()).decode().strip()
            if line == "GO":
                self.measuring = True
            elif line in ("STOP", ""):
                self.measuring = False
                break
        self.stopping.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        print("RESULT " + json.dumps(s.__dict__), flush=True)


def worker_main(args: argparse.Namespace) -> None:
    warning = raise_nofile_limit(len(range(args.first, args.total, args.step)) + 64)
    if warning:
        print("WARNING " + warning, file=sys.stderr, flush=True)
    ids = list(range(args.first, args.total, args.step))
    asyncio.run(Worker(args.url, ids, args.total, args.rate, args.first).run())


# --------------------------------------------------------------------------- coordinator


def proc_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def proc_cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop_pid(proc: subprocess.Popen[str], grace_s: float = 30.0) -> None:
    """SIGTERM this process (by PID), SIGKILL if it lingers (its stdout is pumped)."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def read_lines(proc: subprocess.Popen[str], sink: list[str]) -> threading.Thread:
    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            sink.append(line.rstrip("\n"))

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    return thread


def coordinator(args: argparse.Namespace) -> int:
    warning = raise_nofile_limit(args.stations + 64)
    if warning:
        print("WARNING (coordinator/server) " + warning, flush=True)
    started: list[subprocess.Popen[str]] = []
    with tempfile.TemporaryDirectory(prefix="chargegrid-conn-") as tmp:
        db_url = args.database_url or f"sqlite:///{Path(tmp) / 'chargegrid.db'}"
        server = subprocess.Popen(
            [sys.executable, str(SERVE_CHARGEGRID), "--port", "0", "--database-url", db_url],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        started.append(server)
        try:
            return run_benchmark(args, server, started)
        finally:
            for proc in reversed(started):
                stop_pid(proc, grace_s=30 if proc is server else 10)
            time.sleep(0.5)
            for line in SERVER_LINES:
                if line.startswith("STOPPED "):
                    print("server " + line, flush=True)


def run_benchmark(args: argparse.Namespace, server: subprocess.Popen[str],
                  started: list[subprocess.Popen[str]]) -> int:
    assert server.stdout is not None
    url = ""
    deadline = time.monotonic() + 60
    while not url and time.monotonic() < deadline:
        line = server.stdout.readline()
        if not line:
            raise RuntimeError(f"server exited with {server.wait()}")
        if line.startswith("READY "):
            url = line.split()[1]
        elif line.strip():
            print("server: " + line.rstrip(), flush=True)
    read_lines(server, SERVER_LINES)
    rss_idle = proc_rss_mb(server.pid)
    print(f"server pid {server.pid} at {url}, RSS idle {rss_idle:.0f} MB; opening "
          f"{args.stations} stations from {args.clients} client processes at "
          f"{args.rate:g}/s", flush=True)

    outputs: list[list[str]] = []
    workers: list[subprocess.Popen[str]] = []
    for w in range(args.clients):
        proc = subprocess.Popen(
            [sys.executable, __file__, "--worker", "--url", url, "--first", str(w),
             "--step", str(args.clients), "--total", str(args.stations),
             "--rate", str(args.rate / args.clients)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        started.append(proc)
        workers.append(proc)
        sink: list[str] = []
        outputs.append(sink)
        read_lines(proc, sink)

    t_ramp = time.monotonic()
    ramp_deadline = t_ramp + args.stations / args.rate + args.ramp_timeout
    while time.monotonic() < ramp_deadline:
        if all(any(ln.startswith("CONNECTED ") for ln in out) for out in outputs):
            break
        if any(p.poll() is not None for p in workers):
            raise RuntimeError("a client worker exited early")
        time.sleep(0.2)
    else:
        print("ramp did not finish in time; measuring what is connected", flush=True)
    ramp_s = time.monotonic() - t_ramp
    rss_connected = proc_rss_mb(server.pid)
    print(f"ramp (connected and booted) done in {ramp_s:.1f} s, server RSS "
          f"{rss_connected:.0f} MB; settling {args.settle:g} s, then measuring "
          f"{args.duration:g} s", flush=True)
    time.sleep(args.settle)

    for proc in workers:
        assert proc.stdin is not None
        proc.stdin.write("GO\n")
        proc.stdin.flush()
    cpu0, t0 = proc_cpu_s(server.pid), time.monotonic()
    rss_peak = rss_connected
    while time.monotonic() - t0 < args.duration:
        time.sleep(1.0)
        rss_peak = max(rss_peak, proc_rss_mb(server.pid))
        if server.poll() is not None:
            raise RuntimeError("server died during the measurement")
    cpu_share = (proc_cpu_s(server.pid) - cpu0) / (time.monotonic() - t0)
    rss_end = proc_rss_mb(server.pid)
    for proc in workers:
        assert proc.stdin is not None
        proc.stdin.write("STOP\n")
        proc.stdin.flush()
    for proc in workers:
        proc.wait(timeout=60)
    time.sleep(0.2)

    results = [json.loads(ln.split(" ", 1)[1]) for out in outputs for ln in out
               if ln.startswith("RESULT ")]
    if len(results) != len(workers):
        raise RuntimeError("missing worker results")
    total = {k: sum(r[k] for r in results) for k in
             ("connected", "connect_errors", "dropped", "call_errors", "timeouts", "messages")}
    lat = {a: sorted(x for r in results for x in r["latency_ms"][a])
           for a in ("Heartbeat", "MeterValues")}
    every = sorted(lat["Heartbeat"] + lat["MeterValues"])
    boot = sorted(x for r in results for x in r["boot_ms"])
    connect = sorted(x for r in results for x in r["connect_s"])
    samples = [e for r in results for e in r["errors_sample"]][:10]

    def fmt(values: list[float]) -> str:
        return (f"n={len(values)} p50={percentile(values, 0.5):.1f} "
                f"p99={percentile(values, 0.99):.1f} max={values[-1] if values else 0:.1f} ms")

    print()
    print(f"stations requested     {args.stations}")
    print(f"connected              {total['connected']} "
          f"(connect errors {total['connect_errors']}, dropped {total['dropped']})")
    print(f"ramp (incl. boot)      {ramp_s:.1f} s; upgrade time p50="
          f"{percentile(connect, 0.5) * 1000:.0f} p99={percentile(connect, 0.99) * 1000:.0f} ms")
    print(f"BootNotification       {fmt(boot)}")
    print(f"window                 {args.duration:g} s, {total['messages']} messages "
          f"({total['messages'] / args.duration:.0f}/s)")
    print(f"all messages           {fmt(every)}")
    print(f"  MeterValues          {fmt(lat['MeterValues'])}")
    print(f"  Heartbeat            {fmt(lat['Heartbeat'])}")
    print(f"CALLERRORs {total['call_errors']}, answer timeouts (> {ANSWER_TIMEOUT_S:g} s) "
          f"{total['timeouts']}")
    print(f"server RSS             idle {rss_idle:.0f} MB, connected {rss_connected:.0f} MB, "
          f"peak {rss_peak:.0f} MB, end {rss_end:.0f} MB "
          f"(~{(rss_connected - rss_idle) * 1024 / max(1, total['connected']):.0f} KB/station)")
    print(f"server CPU             {cpu_share:.0%} of one core during the window")
    if samples:
        print("error samples: " + "; ".join(samples))
    p99 = percentile(every, 0.99)
    met = (total["connected"] >= 5000 and total["connect_errors"] == 0
           and total["dropped"] == 0 and p99 < 100)
    print(f"target (>= 5,000 stations, p99 < 100 ms): {'met' if met else 'NOT met'}")
    print("JSON " + json.dumps({
        "stations": args.stations, **total, "ramp_s": round(ramp_s, 1),
        "p50_ms": round(percentile(every, 0.5), 1), "p99_ms": round(p99, 1),
        "max_ms": round(every[-1], 1) if every else None, "rss_idle_mb": round(rss_idle),
        "rss_connected_mb": round(rss_connected), "rss_peak_mb": round(rss_peak),
        "server_cpu": round(cpu_share, 2)}), flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--stations", type=int, default=5000)
    parser.add_argument("--duration", type=float, default=120.0,
                        help="measurement window after every station is connected (s)")
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    parser.add_argument("--settle", type=float, default=10.0,
                        help="seconds of steady load between the ramp and the measurement")
    parser.add_argument("--rate", type=float, default=100.0,
                        help="connection attempts per second, all clients together")
    parser.add_argument("--ramp-timeout", type=float, default=120.0,
                        help="extra seconds allowed for the ramp beyond stations / rate")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--first", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--step", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--total", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker_main(args)
        return 0
    return coordinator(args)


if __name__ == "__main__":
    sys.exit(main())
