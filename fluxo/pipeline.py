"""Materialize every Dagster asset once, in this process, recorded in the Fluxo Dagster instance.

Open Finance is loaded by booking day: a run loads, in one window, every day of the last
`OPENFINANCE_CATCH_UP_DAYS` not loaded yet, and always today (which is never complete). Then the
unpartitioned assets run: the ledger copy, statement files, KYC results, dbt models and checks.
"""

import os
from collections.abc import Iterable
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
from dagster import DagsterInstance

# The tags of a single-run backfill over a partition range; Dagster does not export them publicly.
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from fluxo.seed import DEMO_DAYS
from ingestion.business_day import business_today
from orchestration.definitions import OPENFINANCE_JOB, UNPARTITIONED_JOB, defs
from orchestration.defs.dbt.project import dbt_profile_env, dbt_project, prepare_manifest
from orchestration.defs.openfinance.assets import TRANSACTIONS_KEY

# The run's full log stays in the Dagster instance (see the UI); the terminal gets errors only.
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
# How far back a run looks for booking days never loaded: the demo's whole history.
OPENFINANCE_CATCH_UP_DAYS = DEMO_DAYS


@dataclass(frozen=True)
class PipelineSummary:
    run_ids: list[str]
    success: bool
    assets_materialized: list[str]
    checks_passed: int
    checks_failed: list[str] = field(default_factory=list)
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


def materialize_all(log_path: Path) -> PipelineSummary:
    """Run every asset and check; dbt's own output (which dagster-dbt prints) goes to `log_path`."""
    definitions = defs()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with (
        DagsterInstance.get() as instance,
        log_path.open("a") as log,
        redirect_stdout(log),
    ):
        days = openfinance_days_to_load(
            instance.get_materialized_partitions(TRANSACTIONS_KEY), business_today()
        )
        results = [
            definitions.resolve_job_def(OPENFINANCE_JOB).execute_in_process(
                instance=instance,
                raise_on_error=False,
                run_config=QUIET_RUN_CONFIG,
                tags={
                    ASSET_PARTITION_RANGE_START_TAG: days.start,
                    ASSET_PARTITION_RANGE_END_TAG: days.end,
                },
            ),
            definitions.resolve_job_def(UNPARTITIONED_JOB).execute_in_process(
                instance=instance, raise_on_error=False, run_config=QUIET_RUN_CONFIG
            ),
        ]
    evaluations = [e for result in results for e in result.get_asset_check_evaluations()]
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
        checks_failed=sorted(
            f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
            for evaluation in evaluations
            if not evaluation.passed
        ),
        failed_steps=sorted(step for result in results for step in result.get_failed_step_keys()),
    )
