"""Run the daily job in this process, recorded in the Fluxo Dagster instance.

`materialize_all` (`fluxo pipeline run`) covers every business date of the last
`OPENFINANCE_CATCH_UP_DAYS` whose Open Finance data was never loaded, and always today (which is
never complete), and builds the marts incrementally; `backfill` (`fluxo pipeline backfill`) covers
the dates it is given and rebuilds the marts from the first. Either way one Dagster run loads the
Open Finance window of those dates, and a second the ledger copy, statement files and KYC results,
then builds the dbt models and their checks (`_run_daily_job` says why two). A failed run is
reported (log, and webhook when set) like any other; every run's outcome is copied to the
warehouse for the data-health dashboard (orchestration/defs/health).
"""

import os
from collections.abc import Iterable, Sequence
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
from dagster import DagsterInstance

from fluxo import databases
from fluxo.demo_workload import DEMO_DAYS
from fluxo.settings import Settings
from ingestion.business_day import business_today
from orchestration.definitions import defs
from orchestration.defs.alerts import execute_alerting_on_failure
from orchestration.defs.daily import DAILY_JOB
from orchestration.defs.dbt.project import dbt_profile_env, dbt_project, prepare_manifest
from orchestration.defs.health import record_run
from orchestration.defs.openfinance.assets import TRANSACTIONS_KEY
from orchestration.defs.partitions import (
    CATCH_UP_TAG,
    FIRST_BUSINESS_DATE,
    business_days_tags,
    rebuild_tags,
)

# The run's full log stays in the Dagster instance (see the UI); the terminal gets errors only.
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
# How far back a run looks for booking days never loaded: the demo's whole history.
OPENFINANCE_CATCH_UP_DAYS = DEMO_DAYS


class BackfillRangeError(ValueError):
    """A backfill range that cannot be run; the message says how to fix it."""


@dataclass(frozen=True)
class PipelineSummary:
    run_ids: list[str]
    success: bool
    assets_materialized: list[str]
    checks_passed: int
    # Failed checks of severity ERROR; those of severity WARN (freshness, row-count change) apart.
    checks_failed: list[str] = field(default_factory=list)
    checks_warned: list[str] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)


def prepare(warehouse_url: str) -> None:
    """Parse the dbt project so the asset graph reflects the current models. With the profile's
    variables already set as the build will see them, dbt can reuse this parse (partial parsing)."""
    os.environ.update(dbt_profile_env(warehouse_url))
    prepare_manifest(dbt_project())


def openfinance_days_to_load(
    loaded: Iterable[str], today: date, catch_up_days: int = OPENFINANCE_CATCH_UP_DAYS
) -> dg.PartitionKeyRange:
    """From the earliest booking day of the catch-up period not loaded yet, to today."""
    done = set(loaded)
    recent = (today - timedelta(days=back) for back in range(catch_up_days, 0, -1))
    start = next((day for day in recent if day.isoformat() not in done), today)
    return dg.PartitionKeyRange(start.isoformat(), today.isoformat())


def backfill_days(first: date, last: date, today: date) -> dg.PartitionKeyRange:
    """The business dates [first, last] as one range, if a backfill can run them."""
    if first > last:
        raise BackfillRangeError(
            f"--from {first} is after --to {last}: give the earlier date first"
        )
    if last > today:
        raise BackfillRangeError(
            f"--to {last} is in the future (today is {today} in São Paulo): end at today at most"
        )
    if first < FIRST_BUSINESS_DATE:
        raise BackfillRangeError(
            f"--from {first} is before the first business date, {FIRST_BUSINESS_DATE}"
        )
    return dg.PartitionKeyRange(first.isoformat(), last.isoformat())


def materialize_all(log_path: Path) -> PipelineSummary:
    """The catch-up run; dbt's own output (which dagster-dbt prints) goes to `log_path`."""
    with DagsterInstance.get() as instance:
        days = openfinance_days_to_load(
            instance.get_materialized_partitions(TRANSACTIONS_KEY), business_today()
        )
        return _run_daily_job(instance, days, log_path, {CATCH_UP_TAG: "true"})


def backfill(first: date, last: date, log_path: Path) -> PipelineSummary:
    """The business dates [first, last]: their Open Finance data fetched again and the marts
    rebuilt from `first`."""
    days = backfill_days(first, last, business_today())
    with DagsterInstance.get() as instance:
        return _run_daily_job(instance, days, log_path, rebuild_tags(days))


def _run_daily_job(
    instance: DagsterInstance,
    days: dg.PartitionKeyRange,
    log_path: Path,
    build_tags: dict[str, str],
) -> PipelineSummary:
    """The daily job as two runs: its partitioned assets (Open Finance) over `days`, then, if that
    run succeeded, every other asset, whose dbt build `build_tags` direct.

    Not one run, because in a run over a range of dates Dagster's SQLite event storage records one
    planned materialization per date for *every* asset of the run, partitioned or not: the demo's
    first run (63 assets, 61 dates) wrote 3,843 of them, 75 of its 151 seconds. The second run
    covers no partition and records one per asset. A failed first run (the bank unavailable, or a
    blocking check on its data) stops there, as the dbt steps downstream of it would in one run.
    """
    job = defs().resolve_job_def(DAILY_JOB)
    asset_graph = job.asset_layer.asset_graph
    by_date = [
        key
        for key in asset_graph.materializable_asset_keys
        if asset_graph.get(key).partitions_def is not None
    ]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("a") as log, redirect_stdout(log):
        sources = execute_alerting_on_failure(
            job,
            instance=instance,
            run_config=QUIET_RUN_CONFIG,
            tags=business_days_tags(days),
            asset_selection=by_date,
        )
        results = [sources]
        if sources.success:
            rest = execute_alerting_on_failure(
                job,
                instance=instance,
                run_config=QUIET_RUN_CONFIG,
                tags=build_tags,
                asset_selection=sorted(asset_graph.materializable_asset_keys - set(by_date)),
            )
            results.append(rest)
    warehouse_dsn = databases.resolve(Settings()).warehouse_dsn
    for result in results:
        record_run(instance, result.run_id, warehouse_dsn)
    return summarize(*results)


def _failed(
    evaluations: Sequence[dg.AssetCheckEvaluation], severity: dg.AssetCheckSeverity
) -> list[str]:
    return sorted(
        f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
        for evaluation in evaluations
        if not evaluation.passed and evaluation.severity == severity
    )


def summarize(*results: dg.ExecuteInProcessResult) -> PipelineSummary:
    """One summary of the runs that make up a pipeline run."""
    evaluations = [
        evaluation for result in results for evaluation in result.get_asset_check_evaluations()
    ]
    return PipelineSummary(
        run_ids=[result.run_id for result in results],
        success=all(result.success for result in results),
        assets_materialized=sorted(
            {
                event.asset_key.to_user_string()
                for result in results
                for event in result.get_asset_materialization_events()
                if event.asset_key is not None
            }
        ),
        checks_passed=sum(evaluation.passed for evaluation in evaluations),
        checks_failed=_failed(evaluations, dg.AssetCheckSeverity.ERROR),
        checks_warned=_failed(evaluations, dg.AssetCheckSeverity.WARN),
        failed_steps=sorted(step for result in results for step in result.get_failed_step_keys()),
    )
