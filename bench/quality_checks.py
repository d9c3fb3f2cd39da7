"""What the data-quality checks of raw.ledger_postings cost, and that it follows one load, not the
table's history (the issue's daily run: 100,000 postings a day over a history of 10,000,000).

Run: `.venv/bin/python -m bench.quality_checks [--day N] [--history N] [--growth N]`.
It starts its own embedded PostgreSQL under a temporary FLUXO_HOME, fills raw.ledger_postings
with `--history` postings of earlier loads and one latest load of `--day` postings, and times the
table's three checks (values, row-count change, freshness) run by Dagster as in the pipeline.
Then it grows the history `--growth` times and times them again. Great Expectations' import is
paid once per process before the clock starts, and printed apart.
"""

import argparse
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import dagster as dg
import psycopg

from fluxo import databases, embedded
from fluxo.settings import Settings
from ingestion.ledger.load import ensure_raw_table
from ingestion.ledger.tables import POSTINGS
from ingestion.warehouse import ensure_raw_schema
from orchestration.defs.quality import quality_checks
from orchestration.defs.resources import FluxoDatabases

CHECKS = next(c for c in quality_checks if c.node_def.name == "quality_ledger_postings")
# Earlier loads are spread over this many past loads, one a day.
HISTORY_LOADS = 730


def main() -> None:
    options = _arguments()
    home = Path(tempfile.mkdtemp(prefix="fluxo-bench-"))
    os.environ.update({"FLUXO_HOME": str(home)})
    for variable in ("FLUXO_DATABASE_URL", "FLUXO_WAREHOUSE_URL"):
        os.environ.pop(variable, None)
    settings = Settings()
    try:
        urls = databases.resolve(settings)
        started = time.perf_counter()
        import great_expectations  # noqa: F401

        print(
            f"Great Expectations import (once per process): {time.perf_counter() - started:.1f} s"
        )
        with psycopg.connect(urls.warehouse_dsn) as conn:
            ensure_raw_schema(conn)
            ensure_raw_table(conn, POSTINGS)
        _add_history(urls.warehouse_dsn, options.history, first_id=options.day)
        _add_latest_load(urls.warehouse_dsn, options.day)
        history = options.history
        with dg.DagsterInstance.ephemeral() as instance:
            _time_checks(instance, history, options.day, quiet=True)  # builds the GX context
            _time_checks(instance, history, options.day)
            _add_history(urls.warehouse_dsn, history * (options.growth - 1), first_id=history * 2)
            history *= options.growth
            _time_checks(instance, history, options.day)
    finally:
        embedded.stop(settings.embedded_data_dir)
        shutil.rmtree(home, ignore_errors=True)


def _add_history(warehouse_dsn: str, postings: int, first_id: int) -> None:
    """Postings of earlier loads, each load a day older than the next, all before the latest."""
    started = time.perf_counter()
    with psycopg.connect(warehouse_dsn) as conn:
        conn.execute(
            """
            insert into raw.ledger_postings (posting_id, transfer_id, account_id, direction,
                amount_minor, balance_after_minor, account_version, occurred_at, posted_at,
                _loaded_at, _source, _batch_id)
            select %(first)s + n, gen_random_uuid(), %(account)s, 'credit', 100 + n %% 9000,
                n, n + 1, now() - (n %% %(loads)s + 1) * interval '1 day',
                now() - (n %% %(loads)s + 1) * interval '1 day',
                now() - (n %% %(loads)s + 1) * interval '1 day', 'ledger', %(batch)s
            from generate_series(1, %(count)s) as n
            """,
            {
                "first": first_id,
                "account": uuid.uuid4(),
                "loads": HISTORY_LOADS,
                "batch": uuid.uuid4(),
                "count": postings,
            },
        )
        conn.execute("analyze raw.ledger_postings")
    print(f"history: {postings:,} postings added in {time.perf_counter() - started:.1f} s")


def _add_latest_load(warehouse_dsn: str, postings: int) -> None:
    with psycopg.connect(warehouse_dsn) as conn:
        conn.execute(
            """
            insert into raw.ledger_postings (posting_id, transfer_id, account_id, direction,
                amount_minor, balance_after_minor, account_version, occurred_at, posted_at,
                _source, _batch_id)
            select n, gen_random_uuid(), %(account)s,
                case when n %% 2 = 0 then 'credit' else 'debit' end, 100 + n %% 9000, n, n + 1,
                now(), now(), 'ledger', %(batch)s
            from generate_series(1, %(count)s) as n
            """,
            {"account": uuid.uuid4(), "batch": uuid.uuid4(), "count": postings},
        )


def _time_checks(
    instance: dg.DagsterInstance, history: int, day: int, *, quiet: bool = False
) -> None:
    job = dg.define_asset_job("ledger_postings_checks", selection=dg.AssetSelection.checks(CHECKS))
    definitions = dg.Definitions(
        assets=[dg.AssetSpec(dg.AssetKey(["raw", "ledger_postings"]))],
        asset_checks=[CHECKS],
        jobs=[job],
        resources={"databases": FluxoDatabases()},
    )
    started = time.perf_counter()
    result = definitions.resolve_job_def("ledger_postings_checks").execute_in_process(
        instance=instance, raise_on_error=False
    )
    elapsed = time.perf_counter() - started
    if quiet:
        return
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    rows = evaluations["check_values_complete_and_in_range"].metadata["rows_in_scope"].value
    passed = ", ".join(
        f"{name} {'passed' if e.passed else 'FAILED'}" for name, e in evaluations.items()
    )
    print(
        f"checks over {history + day:,} postings ({rows:,} in the latest load): {elapsed:.2f} s "
        f"({passed})"
    )


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.quality_checks", description=__doc__)
    parser.add_argument("--day", type=int, default=100_000, help="postings of the latest load")
    parser.add_argument(
        "--history", type=int, default=1_000_000, help="postings of earlier loads, at first"
    )
    parser.add_argument("--growth", type=int, default=10, help="how many times the history grows")
    return parser.parse_args()


if __name__ == "__main__":
    main()
