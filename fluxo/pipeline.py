"""Materialize every Dagster asset once, in this process, recorded in the Fluxo Dagster instance."""

import os
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

from dagster import DagsterInstance

from orchestration.definitions import defs
from orchestration.defs.dbt.project import dbt_profile_env, dbt_project, prepare_manifest

# The run's full log stays in the Dagster instance (see the UI); the terminal gets errors only.
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


@dataclass(frozen=True)
class PipelineSummary:
    run_id: str
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


def materialize_all(log_path: Path) -> PipelineSummary:
    """Run every asset and check; dbt's own output (which dagster-dbt prints) goes to `log_path`."""
    job = defs().resolve_implicit_global_asset_job_def()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with (
        DagsterInstance.get() as instance,
        log_path.open("a") as log,
        redirect_stdout(log),
    ):
        result = job.execute_in_process(
            instance=instance, raise_on_error=False, run_config=QUIET_RUN_CONFIG
        )
    evaluations = result.get_asset_check_evaluations()
    return PipelineSummary(
        run_id=result.run_id,
        success=result.success,
        assets_materialized=sorted(
            event.asset_key.to_user_string()
            for event in result.get_asset_materialization_events()
            if event.asset_key is not None
        ),
        checks_passed=sum(evaluation.passed for evaluation in evaluations),
        checks_failed=sorted(
            f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
            for evaluation in evaluations
            if not evaluation.passed
        ),
        failed_steps=sorted(result.get_failed_step_keys()),
    )
