"""How fast Open Finance transactions reach the warehouse's `raw` layer, and in how much memory
(the issue's target: 1,000,000 transactions in at most 60 s on 2 cores, peak RSS at most 1 GB
whatever the volume, since pages are streamed).

Run: `.venv/bin/python -m bench.openfinance_load [--transactions N] [--accounts N] [--profile]`.
It starts its own embedded PostgreSQL under a temporary FLUXO_HOME (a fresh warehouse, so nothing
else is touched) and a bench-only institution in another process (`bench.openfinance_source`:
pages of 1,000 transactions, the spec's maximum, rendered before the clock starts). Then it times
one `load_openfinance` run with the real `OpenFinanceClient`, the calls the Dagster asset makes,
and a re-run that must load nothing, and prints the CPU each process spent.
"""

import argparse
import contextlib
import cProfile
import math
import os
import pstats
import resource
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import psutil
from pydantic import SecretStr

from bench.openfinance_source import (
    CLIENT_ID,
    CLIENT_SECRET,
    CONSENT_ID,
    RunningSource,
    SourceShape,
    start_source,
)
from fluxo import databases, embedded
from fluxo.settings import Settings
from ingestion.openfinance.client import MAX_PAGE_SIZE, OpenFinanceClient, OpenFinanceSettings
from ingestion.openfinance.load import OpenFinanceLoadResult, load_openfinance

# Counterparty documents land tokenized; any key of the right length costs the same.
BENCH_DOCUMENT_TOKEN_KEY = "bench-document-token-key-" + "0" * 32

# A fixed day: the same data, so comparable figures, on every run.
TODAY = date(2026, 3, 4)


def main() -> None:
    options = _arguments()
    accounts = options.accounts
    pages = math.ceil(options.transactions / (accounts * MAX_PAGE_SIZE))
    shape = SourceShape(accounts, pages, MAX_PAGE_SIZE, options.days, TODAY)
    home = Path(tempfile.mkdtemp(prefix="fluxo-bench-"))
    # Only the embedded server under this temporary home, whatever FLUXO_* URLs say: the timed
    # run needs an empty warehouse, and another one's data must not be touched.
    settings = Settings(home=home, database_url=None, warehouse_url=None)
    source: RunningSource | None = None
    try:
        started = time.perf_counter()
        source = start_source(shape)  # renders in its own process while PostgreSQL starts
        urls = databases.resolve(settings)
        print(
            f"cores: {os.cpu_count()}   PostgreSQL: embedded 16   source: {accounts} accounts x "
            f"{pages} pages x {MAX_PAGE_SIZE} transactions = {shape.transactions:,}; "
            f"rendered and PostgreSQL up in {time.perf_counter() - started:.1f} s"
        )
        cpu = _CpuCounters(source.pid, settings.embedded_data_dir)
        with _profiled(options.profile):
            first, elapsed, spent = _timed_load(source.base_url, urls.warehouse_dsn, shape, cpu)
        print(
            f"load: {first.transactions_loaded:,} transactions (and {first.accounts_loaded} "
            f"accounts, {first.balances_loaded} balances, {first.client_stats.pages_fetched:,} "
            f"pages) in {elapsed:.1f} s: {first.transactions_loaded / elapsed:,.0f} rows/s"
        )
        print(f"      CPU: {spent}")
        again, elapsed_again, spent_again = _timed_load(
            source.base_url, urls.warehouse_dsn, shape, cpu
        )
        print(
            f"re-run: {again.transactions_loaded + again.accounts_loaded + again.balances_loaded}"
            f" rows loaded, {again.pending_withdrawn} withdrawn, in {elapsed_again:.1f} s"
        )
        print(f"      CPU: {spent_again}")
        # ru_maxrss is in KiB on Linux; the pages stream through, so this stays flat with volume.
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS of the loading process: {peak_mib:.0f} MiB")
    finally:
        if source is not None:
            source.stop()
        embedded.stop(settings.embedded_data_dir)
        shutil.rmtree(home, ignore_errors=True)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.openfinance_load", description=__doc__)
    parser.add_argument(
        "--transactions",
        type=_positive,
        default=1_000_000,
        help="how many to load, rounded up to whole pages of 1,000 (default 1,000,000)",
    )
    parser.add_argument("--accounts", type=_positive, default=10, help="accounts they spread over")
    parser.add_argument("--days", type=_positive, default=30, help="booking days they spread over")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile the first load (cProfile, which slows it) and print the costliest calls",
    )
    return parser.parse_args()


def _positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return number


@dataclass(frozen=True)
class CpuSplit:
    """CPU seconds of the loading process, the institution and PostgreSQL."""

    loader: float
    source: float
    postgres: float

    def since(self, earlier: "CpuSplit") -> "CpuSplit":
        return CpuSplit(
            self.loader - earlier.loader,
            self.source - earlier.source,
            self.postgres - earlier.postgres,
        )

    def __str__(self) -> str:
        return (
            f"loader {self.loader:.1f} s, source {self.source:.1f} s, "
            f"PostgreSQL {self.postgres:.1f} s"
        )


class _CpuCounters:
    """Reads the CPU seconds spent so far by this process, the institution and PostgreSQL."""

    def __init__(self, source_pid: int, data_dir: Path) -> None:
        self.source = psutil.Process(source_pid)
        postmaster_pid = embedded.status(data_dir).pid
        assert postmaster_pid is not None, "the embedded PostgreSQL is not running"
        self.postmaster = psutil.Process(postmaster_pid)

    def read(self) -> CpuSplit:
        own = resource.getrusage(resource.RUSAGE_SELF)
        source = self.source.cpu_times()
        return CpuSplit(own.ru_utime + own.ru_stime, source.user + source.system, self._postgres())

    def _postgres(self) -> float:
        """The postmaster's, its live children's, and (through the postmaster's children
        counters) those of backends that ended: the loader's backend ends with its run."""
        self._wait_for_backends_to_end()
        times = self.postmaster.cpu_times()
        total: float = times.user + times.system + times.children_user + times.children_system
        for child in self.postmaster.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                child_times = child.cpu_times()
                total += child_times.user + child_times.system
        return total

    def _wait_for_backends_to_end(self, timeout_seconds: float = 5.0) -> None:
        """A closed connection's backend exits, and is reaped by the postmaster, a moment later:
        only then do its CPU seconds show in the postmaster's children counters."""
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline and any(
            _is_ending_or_client_backend(child) for child in self.postmaster.children()
        ):
            time.sleep(0.05)


_BACKGROUND_PROCESS_TITLES = tuple(
    f"postgres: {name}"
    for name in (
        "checkpointer",
        "background writer",
        "walwriter",
        "autovacuum",
        "logical replication launcher",
    )
)


def _is_ending_or_client_backend(process: psutil.Process) -> bool:
    """Anything but PostgreSQL's own background processes: a client's backend, or one exiting
    (its title is already blank, or it is a zombie not yet reaped)."""
    try:
        title = " ".join(process.cmdline()).strip()
    except psutil.ZombieProcess:
        return True
    except psutil.Error:
        return False
    return not title.startswith(_BACKGROUND_PROCESS_TITLES)


def _timed_load(
    base_url: str, warehouse_dsn: str, shape: SourceShape, cpu: _CpuCounters
) -> tuple[OpenFinanceLoadResult, float, CpuSplit]:
    settings = OpenFinanceSettings(
        base_url=base_url,
        token_url=f"{base_url}/token",
        client_id=CLIENT_ID,
        client_secret=SecretStr(CLIENT_SECRET),
        consent_id=CONSENT_ID,
        page_size=shape.page_size,
    )
    before = cpu.read()
    started = time.perf_counter()
    with OpenFinanceClient(settings) as client:
        result = load_openfinance(
            client,
            warehouse_dsn,
            token_key=BENCH_DOCUMENT_TOKEN_KEY,
            from_date=shape.first_day,
            to_date=shape.today,
        )
    elapsed = time.perf_counter() - started
    return result, elapsed, cpu.read().since(before)


@contextlib.contextmanager
def _profiled(enabled: bool) -> Iterator[None]:
    if not enabled:
        yield
        return
    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        print("profile of the first load (the loading process only), by own time:")
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
