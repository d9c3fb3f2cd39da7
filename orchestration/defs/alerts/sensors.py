"""Reports every failed run launched by the daemon or the UI (schedules, sensors, backfills,
materializations), as runs executed in process report themselves."""

import dagster as dg

from orchestration.defs.alerts.failures import (
    ALERTED_IN_PROCESS_TAG,
    report_run_failure,
    run_failure,
)


@dg.run_failure_sensor(
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Logs each failed run and POSTs it to FLUXO_ALERT_WEBHOOK_URL when set.",
)
def run_failure_alert_sensor(context: dg.RunFailureSensorContext) -> dg.SkipReason | None:
    if ALERTED_IN_PROCESS_TAG in context.dagster_run.tags:
        return dg.SkipReason(f"run {context.dagster_run.run_id} was reported by its own process")
    report_run_failure(
        run_failure(context.dagster_run, context.failure_event, context.get_step_failure_events())
    )
    return None
