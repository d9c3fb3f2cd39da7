"""Read one run's outcome from the Dagster instance and write it to the warehouse
(fluxo.run_health): status, check evaluations, materializations, quarantine summary."""

from datetime import UTC, datetime

import dagster as dg
import psycopg

from fluxo.run_health import (
    CheckResult,
    Materialization,
    RunHealth,
    ensure_run_health_tables,
    record_run_health,
)

logger = dg.get_dagster_logger("fluxo.health")


def _at(timestamp: float | None) -> datetime | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, UTC)


def run_health(instance: dg.DagsterInstance, run_id: str) -> RunHealth:
    record = instance.get_run_record_by_id(run_id)
    if record is None:
        raise ValueError(f"run {run_id} is not in the Dagster instance")
    events = instance.get_records_for_run(
        run_id,
        of_type={
            dg.DagsterEventType.ASSET_CHECK_EVALUATION,
            dg.DagsterEventType.ASSET_MATERIALIZATION,
            dg.DagsterEventType.STEP_FAILURE,
        },
    ).records
    checks: list[CheckResult] = []
    materializations: list[Materialization] = []
    failed_steps: list[str] = []
    for event_record in events:
        entry = event_record.event_log_entry
        event = entry.dagster_event
        if event is None:
            continue
        at = datetime.fromtimestamp(entry.timestamp, UTC)
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            assert isinstance(evaluation, dg.AssetCheckEvaluation)
            checks.append(
                CheckResult(
                    asset_key=evaluation.asset_key.to_user_string(),
                    check_name=evaluation.check_name,
                    passed=evaluation.passed,
                    severity=evaluation.severity.value,
                    description=evaluation.description,
                    evaluated_at=at,
                )
            )
        elif event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            if event.asset_key is not None:
                materializations.append(Materialization(event.asset_key.to_user_string(), at))
        elif event.step_key is not None:
            failed_steps.append(event.step_key)
    run = record.dagster_run
    return RunHealth(
        run_id=run_id,
        job_name=run.job_name,
        status=run.status.value,
        started_at=_at(record.start_time),
        finished_at=_at(record.end_time),
        checks=checks,
        materializations=materializations,
        failed_steps=sorted(set(failed_steps)),
    )


def record_run(instance: dg.DagsterInstance, run_id: str, warehouse_dsn: str) -> None:
    """Copy the run's outcome to the warehouse. A warehouse that cannot take it is logged, not
    raised: the run's own result (and its failure alert) must not be hidden by its report."""
    health = run_health(instance, run_id)
    try:
        with psycopg.connect(warehouse_dsn) as warehouse:
            # A warehouse migrated before these tables existed gets them here.
            ensure_run_health_tables(warehouse)
            record_run_health(warehouse, health)
    except psycopg.Error as error:
        logger.error("run %s: its health was not recorded in the warehouse: %s", run_id, error)
