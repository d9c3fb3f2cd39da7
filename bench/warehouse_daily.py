"""The warehouse at ledger scale (issue 5, Performance): with 10,000,000 postings over two years for
1,000 merchants, the daily run (ingest + dbt build + asset checks) for one day of 100,000 postings
in at most 60 s on 2 cores; that run at most 1.2x slower when history grows 10x; a full refresh of
the daily consolidation within 2x one hand-written SQL query computing the same.

Run: `.venv/bin/python -m bench.warehouse_daily [--postings N] [--merchants N] [--days N]
[--daily-postings N] [--timed-days N] [--growth-from N] [--statement-share N] [--keep]
[--reuse DIR [DIR]]`. For each history size (--growth-from, default a tenth of --postings, then
--postings) it starts its own embedded PostgreSQL under `.fluxo/bench/` (removed at the end unless
--keep), registers the merchants through the ledger's service and a share of their bank accounts
through the onboarding register's, generates the history (`bench.ledger_history`) and OFX
statements of those accounts (`bench.bank_statements`), runs the daily Dagster job once to build
the warehouse, vacuums and checkpoints both databases (as after any bulk load), then
--timed-days times (default 3) adds the next business day of postings and statements and times
the same job again. The targets take the median of those runs. Then it times a full refresh of
fct_daily_cash_flow against `bench/daily_consolidation.sql` and checks that both give the same
rows. A summary with every target ends the output.

`--reuse DIR` starts from a warehouse an earlier `--keep` left in DIR (its history generated and
built) and does the same from the vacuum on: the timed days (today, or the days after the newest
one when the kept ledger already has today), then the full refresh. Given two directories (the
smaller history first), it does so on each in turn and prints the growth between them. The
accounts are registered again first, which writes nothing when the kept run registered them. It
is how a change to the models is measured at 10,000,000 postings without generating the history
again; give the --merchants and --statement-share the kept run was made with.
"""

import argparse
import os
import shutil
import tempfile
import time
from contextlib import ExitStack, redirect_stdout
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import psycopg
from dagster_dbt import DbtCliResource

from bench.bank_statements import (
    BankAccount,
    bank_accounts,
    register_statement_accounts,
    write_statements,
)
from bench.ledger_history import (
    append_postings,
    next_business_day,
    register_merchants,
    verify_ledger,
)
from bench.pipeline_run import RunFigures, run_daily_job
from bench.reconciliation_equality import RECONCILIATION_TABLES, compare_with_full_refresh
from fluxo import databases, embedded, pipeline
from fluxo.migrations import migrate
from fluxo.servers import REPO_ROOT, prepare_dagster_home
from fluxo.settings import Settings
from ingestion.business_day import business_today
from ingestion.documents import TOKEN_KEY_ENV, document_token_key
from ingestion.kyc.simulator import KycSimulator
from ingestion.kyc.simulator import simulator_in_thread as kyc_simulator_in_thread
from ingestion.openfinance.simulator import OpenFinanceSimulator
from ingestion.openfinance.simulator import simulator_in_thread as bank_simulator_in_thread
from orchestration.defs.dbt.project import DBT_EXECUTABLE, dbt_project

BENCH_ROOT = REPO_ROOT / ".fluxo" / "bench"
HAND_WRITTEN_QUERY = Path(__file__).with_name("daily_consolidation.sql")
DAILY_RUN_TARGET_SECONDS = 60.0
GROWTH_TARGET_RATIO = 1.2
FULL_REFRESH_TARGET_RATIO = 2.0
MART_COLUMNS = (
    "account_id, merchant_id, account_code, normal_side, business_date, currency, "
    "opening_balance_minor, credits_minor, debits_minor, net_minor, closing_balance_minor, "
    "credit_count, debit_count, postings_loaded_at"
)


@dataclass(frozen=True)
class FullRefresh:
    dbt_command_seconds: float
    dbt_model_seconds: float
    query_seconds: float
    rows: int
    differing_rows: int
    mart_sums: tuple[int, ...]
    query_sums: tuple[int, ...]

    @property
    def ratio(self) -> float:
        return self.dbt_command_seconds / self.query_seconds


@dataclass(frozen=True)
class Scenario:
    history_postings: int
    days: list[RunFigures]  # the timed daily runs, one business day each, in order
    full_refresh: FullRefresh

    @property
    def daily(self) -> RunFigures:
        """The run the targets are judged on."""
        return median_run(self.days)


def median_run(runs: list[RunFigures]) -> RunFigures:
    """The median run by wall time (of an even number, the slower of the middle two)."""
    return sorted(runs, key=lambda run: run.wall_seconds)[len(runs) // 2]


def main() -> None:
    options = _arguments()
    sizes = [options.postings]
    if options.growth_from:
        sizes.insert(0, options.growth_from)
    settings = embedded.server_settings(embedded.physical_memory_bytes())
    print(
        f"cores: {os.cpu_count()}   load average at start: {_load_average()}   "
        "PostgreSQL: embedded 16 (ledger and warehouse on one server; "
        + ", ".join(f"{name} {value}" for name, value in settings.items())
        + ")"
    )
    accounts = bank_accounts(options.merchants, options.statement_share)
    with ExitStack() as sources:
        # The daily job loads every source: the demo's bank and KYC provider serve their small
        # data on threads (as in the tests).
        os.environ["FLUXO_OPENFINANCE_BASE_URL"] = sources.enter_context(
            bank_simulator_in_thread(OpenFinanceSimulator())
        )
        os.environ["FLUXO_KYC_URL"] = sources.enter_context(kyc_simulator_in_thread(KycSimulator()))
        if options.reuse:
            scenarios = [_reused_scenario(home, options, accounts) for home in options.reuse]
        else:
            scenarios = [_scenario(size, options, accounts) for size in sizes]
    _print_summary(scenarios, options)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postings", type=int, default=10_000_000, help="history postings")
    parser.add_argument("--merchants", type=int, default=1000)
    parser.add_argument("--days", type=int, default=730, help="business days of history")
    parser.add_argument("--daily-postings", type=int, default=100_000, help="the day's postings")
    parser.add_argument(
        "--timed-days",
        type=int,
        default=3,
        help="business days to add and time, one daily run each, in a row (default 3)",
    )
    parser.add_argument(
        "--growth-from",
        type=int,
        default=None,
        help="the smaller history to compare the daily run with (default: postings / 10; 0: skip)",
    )
    parser.add_argument(
        "--statement-share",
        type=int,
        default=10,
        help="every N-th merchant has a bank account whose OFX statements are loaded (default 10)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the data directories")
    parser.add_argument(
        "--reuse",
        type=Path,
        nargs="+",
        default=None,
        help="directories kept by --keep, the smaller history first: time more daily runs on "
        "each warehouse (two: the growth between them too)",
    )
    options = parser.parse_args()
    if options.timed_days < 1:
        parser.error("--timed-days must be at least 1")
    if options.reuse:
        options.growth_from = 0
    elif options.growth_from is None:
        options.growth_from = options.postings // 10
    return options


def _load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _scenario(
    history_postings: int, options: argparse.Namespace, accounts: list[BankAccount]
) -> Scenario:
    print(f"\n== history of {history_postings:,} postings ==")
    BENCH_ROOT.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix=f"warehouse-{history_postings}-", dir=BENCH_ROOT))
    # Only this scenario's embedded server, whatever FLUXO_* says: its databases start empty.
    settings = Settings(home=home, database_url=None, warehouse_url=None)
    try:
        urls = _use_embedded_stack(settings)
        today = business_today()
        started = time.perf_counter()
        register_merchants(urls.ledger, options.merchants)
        print(
            f"registered {options.merchants:,} merchants through the ledger service in "
            f"{time.perf_counter() - started:.1f} s"
        )
        _register_statement_accounts(urls, accounts)
        history = append_postings(
            urls.ledger_dsn,
            options.merchants,
            history_postings,
            today - timedelta(days=options.days),
            options.days,
        )
        print(
            f"generated {history.postings:,} postings ({history.transfers:,} transfers) over "
            f"{options.days} days in {history.seconds:.1f} s "
            f"({history.postings / history.seconds:,.0f} postings/s)"
        )
        _verify(urls.ledger_dsn)

        statements = write_statements(
            urls.ledger_dsn,
            home / "landing",
            accounts,
            today - timedelta(days=options.days),
            today - timedelta(days=1),
        )
        print(
            f"wrote {statements.files:,} OFX statements ({statements.lines:,} lines) of the "
            f"history for {len(accounts):,} merchants' bank accounts"
        )
        initial = run_daily_job(home / "logs" / "pipeline.log")
        _print_run("first run (the whole history)", initial)
        return _daily_scenario(history_postings, urls, home, options, accounts)
    finally:
        embedded.stop(settings.embedded_data_dir)
        if options.keep:
            print(f"data kept in {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)


def _reused_scenario(
    home: Path, options: argparse.Namespace, accounts: list[BankAccount]
) -> Scenario:
    settings = Settings(home=home.resolve(), database_url=None, warehouse_url=None)
    try:
        urls = _use_embedded_stack(settings)
        with psycopg.connect(urls.ledger_dsn) as ledger:
            row = ledger.execute("select count(*) from ledger.postings").fetchone()
        assert row is not None
        history_postings = int(row[0])
        print(f"\n== history of {history_postings:,} postings, kept in {home} ==")
        _register_statement_accounts(urls, accounts)
        return _daily_scenario(history_postings, urls, settings.home, options, accounts)
    finally:
        embedded.stop(settings.embedded_data_dir)


def _use_embedded_stack(settings: Settings) -> databases.DatabaseUrls:
    """Starts (or reuses) the embedded server under the settings' home, and points the Dagster
    resources and dbt, in this process and dbt's, at its databases."""
    urls = databases.resolve(settings)
    migrate(urls)
    # The embedded stack's own token key, which the ledger copy refuses to guess once the URLs
    # are set.
    os.environ[TOKEN_KEY_ENV] = document_token_key(settings)
    os.environ["FLUXO_HOME"] = str(settings.home)
    os.environ["FLUXO_DATABASE_URL"] = urls.ledger
    os.environ["FLUXO_WAREHOUSE_URL"] = urls.warehouse
    os.environ["DAGSTER_HOME"] = str(prepare_dagster_home(settings))
    pipeline.prepare(urls.warehouse)
    return urls


def _register_statement_accounts(urls: databases.DatabaseUrls, accounts: list[BankAccount]) -> None:
    """The statement accounts in the onboarding register, so reconciliation attributes their
    lines; on a kept warehouse they are there already, and nothing is written."""
    started = time.perf_counter()
    added = register_statement_accounts(urls.ledger, accounts)
    print(
        f"registered {len(accounts):,} merchants' statement accounts through the onboarding "
        f"service ({added:,} new) in {time.perf_counter() - started:.1f} s"
    )


def _daily_scenario(
    history_postings: int,
    urls: databases.DatabaseUrls,
    home: Path,
    options: argparse.Namespace,
    accounts: list[BankAccount],
) -> Scenario:
    """Business days of postings and statements added to the built warehouse one at a time, each
    followed by a timed daily run, as in production, where each day's run follows the one before
    on a server that keeps its cache; then the full refresh, and the incremental tables compared
    with one. The runs of one history vary with what the server has in memory, which a single
    run cannot tell apart from a change of the models: the targets take the median run."""
    _settle(urls)
    days = [
        _timed_day(urls, home, options, accounts, number)
        for number in range(1, options.timed_days + 1)
    ]
    if len(days) > 1:
        print(
            f"daily runs of {len(days)} days in a row: "
            + ", ".join(f"{run.wall_seconds:.1f}" for run in days)
            + f" s; median {median_run(days).wall_seconds:.1f} s"
        )
    full_refresh = _full_refresh(urls.warehouse_dsn, home)
    _print_full_refresh(full_refresh)
    print("incremental tables after the daily run, against a full refresh of each:")
    compare_with_full_refresh(
        urls.warehouse_dsn,
        home,
        relations=(
            *RECONCILIATION_TABLES,
            "staging.stg_statements__lines",
            "intermediate.int_compliance__channel_months",
            "intermediate.int_compliance__merchant_days",
        ),
        rebuilt=(
            "int_reconciliation__rebuilt_items+",
            "stg_statements__lines",
            "int_compliance__channel_months",
            "int_compliance__merchant_days",
        ),
    )
    return Scenario(history_postings, days, full_refresh)


def _timed_day(
    urls: databases.DatabaseUrls,
    home: Path,
    options: argparse.Namespace,
    accounts: list[BankAccount],
    number: int,
) -> RunFigures:
    """The next business day's postings and statements, then the daily run that loads them."""
    business_day = next_business_day(urls.ledger_dsn, business_today())
    day = append_postings(
        urls.ledger_dsn, options.merchants, options.daily_postings, business_day, 1
    )
    statements = write_statements(
        urls.ledger_dsn, home / "landing", accounts, business_day, business_day
    )
    print(
        f"added {day.postings:,} postings on {business_day} (business day) in {day.seconds:.1f} s, "
        f"and {statements.files:,} OFX statements of the day ({statements.lines:,} lines)"
    )
    print(f"    load average before the daily run: {_load_average()}")
    run = run_daily_job(home / "logs" / "pipeline.log")
    print(f"    load average after the daily run: {_load_average()}")
    _print_run(f"daily run (day {number} of {options.timed_days})", run)
    return run


def _settle(urls: databases.DatabaseUrls) -> None:
    """What an operator runs after a bulk load, so that the timed daily run measures the
    warehouse's steady state, not work the history's load left behind: VACUUM (ANALYZE) sets the
    visibility map and the hint bits the first readers of each page would otherwise write, and does
    now what autovacuum would start in the middle of the daily run (10,000,000 rows inserted);
    CHECKPOINT writes the load's dirty pages, which the checkpointer would still be writing."""
    started = time.perf_counter()
    for dsn in (urls.ledger_dsn, urls.warehouse_dsn):
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("vacuum (analyze)")
            conn.execute("checkpoint")
    print(
        "vacuumed, analyzed and checkpointed the ledger and the warehouse in "
        f"{time.perf_counter() - started:.1f} s"
    )


def _verify(ledger_dsn: str) -> None:
    started = time.perf_counter()
    broken = {rule: rows for rule, rows in verify_ledger(ledger_dsn).items() if rows}
    if broken:
        raise SystemExit(f"the generated ledger breaks its rules: {broken}")
    print(f"verified the ledger's rules on every posting in {time.perf_counter() - started:.1f} s")


def _print_run(title: str, run: RunFigures) -> None:
    summary = run.summary
    failed_steps = ", ".join(summary.failed_steps)
    outcome = "succeeded" if summary.success else f"FAILED (steps {failed_steps})"
    print(
        f"{title}: {run.wall_seconds:.1f} s, {outcome}; "
        f"ingest {run.stage_seconds('ingest'):.1f} s, dbt build {run.stage_seconds('dbt'):.1f} s, "
        f"asset checks {run.stage_seconds('checks'):.1f} s"
    )
    busy = ", ".join(
        f"{run.dbt_nodes_by_type[kind]} {kind}s {seconds:.1f} s"
        for kind, seconds in sorted(run.dbt_seconds_by_type.items())
    )
    print(f"    dbt nodes (summed over 2 threads): {busy}")
    print(
        "    slowest: "
        + ", ".join(
            f"{node.unique_id.split('.')[-1]} {node.seconds:.1f} s"
            for node in run.slowest_dbt_nodes
        )
    )
    print(
        f"    checks: {summary.checks_passed} passed"
        + (f", failed: {', '.join(summary.checks_failed)}" if summary.checks_failed else "")
        + (f", warned: {', '.join(summary.checks_warned)}" if summary.checks_warned else "")
    )


def _full_refresh(warehouse_dsn: str, home: Path) -> FullRefresh:
    """The hand-written query first, then dbt's full refresh of the mart, on the same data."""
    with psycopg.connect(warehouse_dsn, autocommit=True) as warehouse:
        warehouse.execute("create schema if not exists bench")
        warehouse.execute("drop table if exists bench.daily_consolidation")
        print(f"    load average before the hand-written query: {_load_average()}")
        started = time.perf_counter()
        warehouse.execute(
            "create table bench.daily_consolidation as " + HAND_WRITTEN_QUERY.read_text()
        )
        query_seconds = time.perf_counter() - started
        print(f"    load average after it, before the full refresh: {_load_average()}")

    dbt = DbtCliResource(project_dir=dbt_project(), dbt_executable=DBT_EXECUTABLE)
    target = home / "dbt-full-refresh"
    started = time.perf_counter()
    invocation = dbt.cli(
        ["run", "--full-refresh", "--select", "fct_daily_cash_flow"],
        target_path=target,
        raise_on_error=True,
    )
    with (home / "logs" / "full-refresh.log").open("a") as log, redirect_stdout(log):
        invocation.wait()
    dbt_seconds = time.perf_counter() - started
    print(f"    load average after the full refresh: {_load_average()}")
    run_results = invocation.get_artifact("run_results.json")
    model_seconds = sum(node["execution_time"] for node in run_results["results"])

    sums = ", ".join(
        f"sum({column})::bigint"
        for column in (
            "opening_balance_minor",
            "credits_minor",
            "debits_minor",
            "net_minor",
            "closing_balance_minor",
            "credit_count",
            "debit_count",
        )
    )
    with psycopg.connect(warehouse_dsn) as warehouse:
        differing = warehouse.execute(
            f"""
            select count(*) from (
                (select {MART_COLUMNS} from marts.fct_daily_cash_flow
                 except all select {MART_COLUMNS} from bench.daily_consolidation)
                union all
                (select {MART_COLUMNS} from bench.daily_consolidation
                 except all select {MART_COLUMNS} from marts.fct_daily_cash_flow)
            ) as differences
            """
        ).fetchone()
        mart = warehouse.execute(
            f"select count(*), {sums} from marts.fct_daily_cash_flow"
        ).fetchone()
        query = warehouse.execute(
            f"select count(*), {sums} from bench.daily_consolidation"
        ).fetchone()
    assert differing is not None and mart is not None and query is not None
    return FullRefresh(
        dbt_command_seconds=dbt_seconds,
        dbt_model_seconds=model_seconds,
        query_seconds=query_seconds,
        rows=int(mart[0]),
        differing_rows=int(differing[0]),
        mart_sums=tuple(int(v) for v in mart),
        query_sums=tuple(int(v) for v in query),
    )


def _print_full_refresh(refresh: FullRefresh) -> None:
    same = refresh.differing_rows == 0 and refresh.mart_sums == refresh.query_sums
    print(
        "full refresh of fct_daily_cash_flow: dbt run --full-refresh "
        f"{refresh.dbt_command_seconds:.1f} s "
        f"(the model {refresh.dbt_model_seconds:.1f} s), hand-written query "
        f"{refresh.query_seconds:.1f} s: {refresh.ratio:.2f}x"
    )
    print(
        f"    {refresh.rows:,} rows; "
        + (
            "the same rows and sums in both"
            if same
            else f"DIFFERENT: {refresh.differing_rows:,} rows differ; sums mart "
            f"{refresh.mart_sums} vs query {refresh.query_sums}"
        )
    )


def _print_summary(scenarios: list[Scenario], options: argparse.Namespace) -> None:
    largest = scenarios[-1]
    daily = largest.daily
    print(f"\n== summary ({os.cpu_count()} cores) ==")
    median = f"the median of {len(largest.days)} days" if len(largest.days) > 1 else "one day"
    print(
        f"daily run ({median}), {options.daily_postings:,} postings on "
        f"{largest.history_postings:,} of history: {daily.wall_seconds:.1f} s "
        f"(ingest {daily.stage_seconds('ingest'):.1f}, "
        f"dbt build {daily.stage_seconds('dbt'):.1f}, checks {daily.stage_seconds('checks'):.1f})"
        f"  target <= {DAILY_RUN_TARGET_SECONDS:.0f} s: "
        f"{_verdict(daily.wall_seconds <= DAILY_RUN_TARGET_SECONDS and daily.summary.success)}"
    )
    if len(scenarios) > 1:
        smallest = scenarios[0]
        ratio = daily.wall_seconds / smallest.daily.wall_seconds
        growth = largest.history_postings / smallest.history_postings
        print(
            f"growth: {smallest.daily.wall_seconds:.1f} s on {smallest.history_postings:,} -> "
            f"{daily.wall_seconds:.1f} s on {largest.history_postings:,} ({growth:.0f}x history): "
            f"{ratio:.2f}x  target <= {GROWTH_TARGET_RATIO}x: "
            f"{_verdict(ratio <= GROWTH_TARGET_RATIO)}"
        )
    refresh = largest.full_refresh
    print(
        f"full refresh: dbt {refresh.dbt_command_seconds:.1f} s vs hand-written query "
        f"{refresh.query_seconds:.1f} s: {refresh.ratio:.2f}x  target <= "
        f"{FULL_REFRESH_TARGET_RATIO}x: "
        f"{_verdict(refresh.ratio <= FULL_REFRESH_TARGET_RATIO and refresh.differing_rows == 0)}"
    )
    print(
        f"load average at the end: {_load_average()} "
        "(other work on the machine makes the figures vary)"
    )


def _verdict(met: bool) -> str:
    return "met" if met else "NOT MET"


if __name__ == "__main__":
    main()
