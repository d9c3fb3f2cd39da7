"""Records every finished run launched by the daemon or the UI in the warehouse; runs executed in
process (`fluxo pipeline run`, `backfill`) record themselves (fluxo.pipeline)."""

import dagster as dg

from orchestration.defs.alerts import ALERTED_IN_PROCESS_TAG
from orchestration.defs.health.record import record_run
from orchestration.defs.resources import FluxoDatabases


def _record(context: dg.RunStatusSensorContext, databases: FluxoDatabases) -> dg.SkipReason | None:
    run = context.dagster_run
    if ALERTED_IN_PROCESS_TAG in run.tags:
        return dg.SkipReason(f"run {run.run_id} was recorded by its own process")
    record_run(context.instance, run.run_id, databases.urls().warehouse_dsn)
    return None


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Copies each successful run's outcome to the warehouse (data-health dashboard).",
)
def run_health_success_sensor(
    context: dg.RunStatusSensorContext, databases: FluxoDatabases
) -> dg.SkipReason | None:
    return _record(context, databases)


@dg.run_failure_sensor(
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Copies each failed run's outcome to the warehouse (data-health dashboard).",
)
def run_health_failure_sensor(
    context: dg.RunFailureSensorContext, databases: FluxoDatabases
) -> dg.SkipReason | None:
    return _record(context, databases)
