"""The ledger's throughput and latency on this machine, in one run (issue 3's targets):

(a) pgbench's TPC-B-like tps against the same PostgreSQL: the ceiling of one machine;
(b) single transfers per second through the HTTP API, p50 and p99, at the best concurrency tried;
(c) postings per second through the batch endpoint;
(d) daily-balance reads per second, p99 and error rate, while (b) runs at half its peak.

Run: `.venv/bin/python -m bench.ledger_api` (about 2 minutes; needs Debian's `wrk`). It starts
its own embedded PostgreSQL, API and worker under a temporary FLUXO_HOME, sends load with wrk (a C
load generator, so the load takes little of the cores it shares with the server) to 127.0.0.1
only, and stops everything at the end. Each transfer level also prints where the CPU went.
"""

import asyncio
import contextlib
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from core_ledger.access import cli_actor
from core_ledger.services import auth
from fluxo import databases, embedded
from fluxo.migrations import migrate
from fluxo.processes import Service, start_service
from fluxo.servers import api_server, child_environment, ledger_worker
from fluxo.settings import Settings
from fluxo.urls import connection_parts, libpq_url, with_database

API_WORKERS = 2
ACCOUNTS = 200
SECONDS_PER_LEVEL = 8.0
CONCURRENCY_LEVELS = (4, 8, 16, 32)
BATCH_SIZE = 1000
READ_CONNECTIONS = 8
PGBENCH = embedded.BIN_DIR / "pgbench"
WRK = shutil.which("wrk") or "wrk"


def main() -> None:
    if shutil.which("wrk") is None:
        sys.exit("bench.ledger_api needs wrk: apt-get install wrk")
    home = Path(tempfile.mkdtemp(prefix="fluxo-bench-"))
    os.environ["FLUXO_HOME"] = str(home)
    os.environ["FLUXO_API_WORKERS"] = str(API_WORKERS)
    settings = Settings(api_port=_free_port())
    services: list[Service] = []
    try:
        urls = databases.resolve(settings)
        migrate(urls)
        print(f"cores: {os.cpu_count()}   API workers: {API_WORKERS}   PostgreSQL: embedded 16")
        tps = _pgbench(urls.ledger, settings)
        print(f"(a) pgbench TPC-B-like:       {tps:8.0f} tps (8 clients, 10 s)")
        env = child_environment(settings) | {"FLUXO_API_PORT": str(settings.api_port)}
        for server in (api_server(settings), ledger_worker(settings)):
            url = server.url if server.ready_path else ""
            log = home / "logs" / f"{server.name.replace(' ', '-').lower()}.log"
            services.append(
                start_service(server.name, server.command, url, server.ready_url, log, env)
            )
        _measure_api(settings, urls.ledger, tps, home)
    finally:
        for service in reversed(services):
            service.stop()
        embedded.stop(settings.embedded_data_dir)
        shutil.rmtree(home, ignore_errors=True)


def _pgbench(ledger_url: str, settings: Settings) -> float:
    admin = libpq_url(with_database(ledger_url, "postgres"))
    embedded.ensure_databases(admin, ("pgbench",))
    parts = connection_parts(with_database(ledger_url, "pgbench"))
    args = ["-h", str(parts["host"]), "-p", str(parts["port"]), "-U", str(parts["user"])]
    subprocess.run(
        [PGBENCH, "-i", "-s", "1", "-q", *args, "pgbench"], check=True, capture_output=True
    )
    ran = subprocess.run(
        [PGBENCH, "-c", "8", "-j", "2", "-T", "10", *args, "pgbench"],
        check=True,
        capture_output=True,
        text=True,
    )
    match = re.search(r"tps = ([\d.]+)", ran.stdout)
    assert match, ran.stdout
    return float(match[1])


def _measure_api(settings: Settings, ledger_url: str, pgbench_tps: float, home: Path) -> None:
    base = f"http://{settings.host}:{settings.api_port}"
    token, accounts = asyncio.run(_prepare(base, ledger_url))
    scripts = _WrkScripts(home, token, accounts)
    processes = _ProcessGroups(settings)

    best: WrkResult | None = None
    for level in CONCURRENCY_LEVELS:
        processes.start()
        result = _wrk(base, scripts.transfer, level, SECONDS_PER_LEVEL)
        cpu = processes.stop()
        print(f"(b) transfers, {level:2d} clients: {result.summary('transfers')}")
        print(f"    CPU per transfer: {cpu.per_request(result.requests)}")
        if best is None or result.rate > best.rate:
            best = result
    assert best is not None
    print(f"(b) best: {best.rate:.0f} transfers/s at {best.connections} clients")
    print(f"    (b)/(a) = {best.rate / pgbench_tps:.2f}")

    processes.start()
    batch = _wrk(base, scripts.batch, 2, SECONDS_PER_LEVEL)
    cpu = processes.stop()
    print(
        f"(c) batch of {BATCH_SIZE}, 2 clients: {batch.rate * BATCH_SIZE * 2:8.0f} postings/s"
        f"   p50 {batch.p50_ms:.0f} ms per batch   errors {batch.errors}"
    )
    print(f"    CPU per batch: {cpu.per_request(batch.requests)}")

    # Writers at half the peak: each connection pauses so that together they send about that.
    writer_connections = best.connections
    pause_ms = max(0.0, writer_connections / (best.rate / 2) * 1000 - best.p50_ms)
    writers = _start_wrk(
        base, scripts.paced_transfer(pause_ms), writer_connections, SECONDS_PER_LEVEL
    )
    reads = _wrk(base, scripts.daily_balances, READ_CONNECTIONS, SECONDS_PER_LEVEL)
    writes = _finish_wrk(writers, writer_connections)
    error_rate = reads.errors / max(reads.requests, 1)
    print(
        f"(d) daily-balance reads with writes at {writes.rate:.0f}/s: "
        f"{reads.summary('reads')}   error rate {error_rate:.2%}"
    )


@dataclass(frozen=True)
class WrkResult:
    connections: int
    requests: int
    rate: float
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx answers and socket errors

    def summary(self, unit: str) -> str:
        return (
            f"{self.rate:8.0f} {unit}/s   p50 {self.p50_ms:6.1f} ms"
            f"   p99 {self.p99_ms:6.1f} ms   errors {self.errors}"
        )


class _WrkScripts:
    """wrk Lua scripts: random pairs of the bench accounts, the caller's bearer token."""

    def __init__(self, home: Path, token: str, accounts: list[str]) -> None:
        self.home = home
        ids = ", ".join(f'"{a}"' for a in accounts)
        self.prelude = f"""
local ids = {{{ids}}}
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
local function pair()
  local a = math.random(#ids)
  local b = math.random(#ids - 1)
  if b >= a then b = b + 1 end
  return ids[a], ids[b]
end
local function transfer_body(amount)
  local a, b = pair()
  return '{{"account_id":"' .. a .. '","direction":"debit","amount":"' .. amount .. '"}},'
    .. '{{"account_id":"' .. b .. '","direction":"credit","amount":"' .. amount .. '"}}'
end
"""
        single = """
request = function()
  local body = '{"postings":[' .. transfer_body("1.00") .. '],"description":"bench"}'
  return wrk.format("POST", "/v1/transfers", nil, body)
end
"""
        self.transfer = self._write("transfer", single)
        self.batch = self._write(
            "batch",
            f"""
local items = {{}}
for i = 1, {BATCH_SIZE} do
  items[i] = '{{"postings":[' .. transfer_body("0.01") .. '],"description":"bench"}}'
end
local body = '{{"transfers":[' .. table.concat(items, ",") .. ']}}'
request = function() return wrk.format("POST", "/v1/transfers/batch", nil, body) end
""",
        )
        self.daily_balances = self._write(
            "daily_balances",
            """
request = function()
  local a = pair()
  return wrk.format("GET", "/v1/accounts/" .. a .. "/daily-balances")
end
""",
        )
        self._single = single

    def paced_transfer(self, pause_ms: float) -> Path:
        return self._write(
            "paced_transfer", self._single + f"delay = function() return {pause_ms:.1f} end\n"
        )

    def _write(self, name: str, body: str) -> Path:
        path = self.home / f"{name}.lua"
        path.write_text(self.prelude + body)
        return path


def _wrk(base: str, script: Path, connections: int, seconds: float) -> WrkResult:
    return _finish_wrk(_start_wrk(base, script, connections, seconds), connections)


def _start_wrk(base: str, script: Path, connections: int, seconds: float) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [WRK, "-t1", f"-c{connections}", f"-d{seconds:.0f}s", "--latency", "-s", str(script), base],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _finish_wrk(process: subprocess.Popen[str], connections: int) -> WrkResult:
    output, _ = process.communicate()
    requests = re.search(r"(\d+) requests in", output)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if process.returncode != 0 or requests is None or rate is None:
        raise RuntimeError(f"wrk failed:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    errors = int(non_2xx[1]) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors[1]))
    return WrkResult(
        connections=connections,
        requests=int(requests[1]),
        rate=float(rate[1]),
        p50_ms=_latency_ms(output, "50%"),
        p99_ms=_latency_ms(output, "99%"),
        errors=errors,
    )


def _latency_ms(output: str, percentile: str) -> float:
    match = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)", output)
    assert match, output
    return float(match[1]) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match[2]]


@dataclass
class CpuSplit:
    """CPU seconds spent by each part of the stack during one measurement."""

    seconds: dict[str, float]

    def per_request(self, requests: int) -> str:
        parts = [
            f"{name} {cpu / max(requests, 1) * 1000:.2f} ms" for name, cpu in self.seconds.items()
        ]
        return ", ".join(parts)


class _ProcessGroups:
    """Where the CPU goes: the API server processes, PostgreSQL, the ledger worker, wrk."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.before: dict[str, dict[int, float]] = {}

    def _groups(self) -> dict[str, list[psutil.Process]]:
        groups: dict[str, list[psutil.Process]] = {"API": [], "PostgreSQL": [], "worker": []}
        for process in psutil.process_iter(["cmdline", "name"]):
            command = " ".join(process.info["cmdline"] or [])
            if "uvicorn" in command or "multiprocessing" in command:
                groups["API"].append(process)
            elif process.info["name"] == "postgres":
                groups["PostgreSQL"].append(process)
            elif "serve worker" in command:
                groups["worker"].append(process)
        return groups

    def _cpu(self) -> dict[str, dict[int, float]]:
        """CPU seconds so far of each process, by group and pid."""
        totals: dict[str, dict[int, float]] = {}
        for name, processes in self._groups().items():
            totals[name] = {}
            for process in processes:
                with contextlib.suppress(psutil.Error):
                    times = process.cpu_times()
                    totals[name][process.pid] = times.user + times.system
        # wrk is this process's child and has exited when a measurement ends: its CPU is here.
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        totals["wrk"] = {0: children.ru_utime + children.ru_stime}
        return totals

    def start(self) -> None:
        self.before = self._cpu()

    def stop(self) -> CpuSplit:
        after = self._cpu()
        # A process started meanwhile (a new pooled connection's backend) counts whole; one that
        # ended meanwhile took its figures with it, so the split may under-count, never invent.
        return CpuSplit(
            {
                name: sum(
                    cpu - self.before.get(name, {}).get(pid, 0.0) for pid, cpu in pids.items()
                )
                for name, pids in after.items()
            }
        )


async def _prepare(base: str, ledger_url: str) -> tuple[str, list[str]]:
    """An operator's bearer token and the accounts the load moves money between."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        token = await _token(http, ledger_url)
        http.headers["Authorization"] = f"Bearer {token}"
        return token, await _open_accounts(http)


async def _token(http: httpx.AsyncClient, ledger_url: str) -> str:
    engine = create_engine(ledger_url)
    key = auth.create_key(sessionmaker(engine), cli_actor("bench"), "bench", "operator", None)
    engine.dispose()
    response = await http.post("/v1/auth/token", json={"api_key": key.secret})
    return str(response.json()["access_token"])


async def _open_accounts(http: httpx.AsyncClient) -> list[str]:
    tenant = "bench-bank"
    await http.post(
        "/v1/tenants", json={"tenant_id": tenant, "name": "Bench", "kind": "institution"}
    )
    ids = []
    for n in range(ACCOUNTS):
        response = await http.post(
            f"/v1/tenants/{tenant}/accounts",
            json={
                "code": f"a{n}",
                "name": "bench",
                "type": "liability",
                "balance_policy": "unrestricted",
            },
        )
        ids.append(str(response.json()["account_id"]))
    return ids


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


if __name__ == "__main__":
    main()
