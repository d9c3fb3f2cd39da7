"""The ledger's throughput and latency on this machine, in one run (issue 3's targets):

(a) pgbench's TPC-B-like tps against the same PostgreSQL: the ceiling of one machine;
(b) single transfers per second through the HTTP API, p50 and p99, at the best concurrency tried;
(c) postings per second through the batch endpoint;
(d) daily-balance reads per second, p99 and error rate, while (b) runs at half its peak.

Run: `.venv/bin/python -m bench.ledger_api` (about 2 minutes). It starts its own embedded
PostgreSQL, API and worker under a temporary FLUXO_HOME, talks to them over 127.0.0.1 only, and
stops everything at the end.
"""

import asyncio
import os
import random
import re
import resource
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
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
PGBENCH = embedded.BIN_DIR / "pgbench"


@dataclass
class Latencies:
    seconds: list[float] = field(default_factory=list)
    errors: int = 0

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0

    def summary(self, elapsed: float, unit: str = "req") -> str:
        p50, p99 = self.percentile(0.5) * 1000, self.percentile(0.99) * 1000
        return (
            f"{len(self.seconds) / elapsed:8.0f} {unit}/s   p50 {p50:6.1f} ms"
            f"   p99 {p99:6.1f} ms   errors {self.errors}"
        )


def main() -> None:
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
        asyncio.run(_measure_api(settings, urls.ledger, tps))
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


async def _measure_api(settings: Settings, ledger_url: str, pgbench_tps: float) -> None:
    base = f"http://{settings.host}:{settings.api_port}"
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as http:
        http.headers["Authorization"] = f"Bearer {await _token(http, ledger_url)}"
        accounts = await _open_accounts(http)

        async def transfer() -> httpx.Response:
            source, target = random.sample(accounts, 2)
            return await http.post(
                "/v1/transfers",
                json={
                    "postings": [
                        {"account_id": source, "direction": "debit", "amount": "1.00"},
                        {"account_id": target, "direction": "credit", "amount": "1.00"},
                    ],
                    "description": "bench",
                },
            )

        best_rate, best_level = 0.0, 0
        for level in CONCURRENCY_LEVELS:
            latencies, elapsed = await _run(transfer, level, SECONDS_PER_LEVEL)
            rate = len(latencies.seconds) / elapsed
            print(f"(b) transfers, {level:2d} clients: {latencies.summary(elapsed)}")
            if rate > best_rate:
                best_rate, best_level = rate, level
        print(f"(b) best: {best_rate:.0f} transfers/s at {best_level} clients")
        print(f"    (b)/(a) = {best_rate / pgbench_tps:.2f}")

        batch = [
            {
                "postings": [
                    {"account_id": a, "direction": "debit", "amount": "0.01"},
                    {"account_id": b, "direction": "credit", "amount": "0.01"},
                ],
                "description": "bench",
            }
            for a, b in (random.sample(accounts, 2) for _ in range(BATCH_SIZE))
        ]

        async def post_batch() -> httpx.Response:
            return await http.post("/v1/transfers/batch", json={"transfers": batch})

        latencies, elapsed = await _run(post_batch, 2, SECONDS_PER_LEVEL)
        postings = len(latencies.seconds) * BATCH_SIZE * 2
        per_batch = latencies.percentile(0.5) * 1000
        print(
            f"(c) batch of {BATCH_SIZE}, 2 clients: {postings / elapsed:8.0f} postings/s"
            f"   p50 {per_batch:.0f} ms per batch   errors {latencies.errors}"
        )

        async def read_daily_balances() -> httpx.Response:
            return await http.get(f"/v1/accounts/{random.choice(accounts)}/daily-balances")

        writers = asyncio.create_task(
            _run(transfer, best_level, SECONDS_PER_LEVEL, rate_limit=best_rate / 2)
        )
        reads, elapsed = await _run(read_daily_balances, 8, SECONDS_PER_LEVEL)
        writes, write_elapsed = await writers
        total = len(reads.seconds) + reads.errors
        print(
            f"(d) daily-balance reads with writes at {len(writes.seconds) / write_elapsed:.0f}/s: "
            f"{reads.summary(elapsed)}   error rate {reads.errors / max(total, 1):.2%}"
        )
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"load generator CPU: {usage.ru_utime + usage.ru_stime:.1f} s (shares the same cores)")


async def _run(
    request: Callable[[], Awaitable[httpx.Response]],
    concurrency: int,
    seconds: float,
    rate_limit: float | None = None,
) -> tuple[Latencies, float]:
    """`concurrency` loops sending `request` for `seconds`; optionally at most `rate_limit`/s."""
    latencies = Latencies()
    start = time.perf_counter()
    deadline = start + seconds
    interval = concurrency / rate_limit if rate_limit else 0.0

    async def loop() -> None:
        while (now := time.perf_counter()) < deadline:
            try:
                response = await request()
                ok = response.status_code < 400
            except httpx.HTTPError:
                ok = False
            if ok:
                latencies.seconds.append(time.perf_counter() - now)
            else:
                latencies.errors += 1
            if interval:
                await asyncio.sleep(max(0.0, interval - (time.perf_counter() - now)))

    await asyncio.gather(*(loop() for _ in range(concurrency)))
    return latencies, time.perf_counter() - start


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
