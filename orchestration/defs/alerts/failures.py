"""What a failed run reports, wherever it ran: the job, run id, failed steps and errors, logged
and, when FLUXO_ALERT_WEBHOOK_URL is set, POSTed there as JSON.

Runs launched by the daemon or the UI are reported by `run_failure_alert_sensor`; runs executed in
a process of their own (`fluxo pipeline run`, `fluxo pipeline backfill`) by
`execute_alerting_on_failure`, which tags them so the sensor does not report them twice."""

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import dagster as dg
import httpx
from dagster import DagsterEvent, DagsterRun
from pydantic import BaseModel

from fluxo.settings import Settings

ALERTED_IN_PROCESS_TAG = "fluxo/failure_alerted_in_process"

logger = dg.get_dagster_logger("fluxo.alerts")


class FailedStep(BaseModel):
    step: str
    error: str


class RunFailure(BaseModel):
    """The webhook's JSON body."""

    event: Literal["run_failure"] = "run_failure"
    job: str
    run_id: str
    error: str
    failed_steps: list[FailedStep]
    tags: dict[str, str]


def _error_message(event: DagsterEvent) -> str:
    error = getattr(event.event_specific_data, "error", None)
    if error is not None:
        return f"{error.cls_name}: {error.message.strip()}" if error.cls_name else error.message
    return event.message or event.event_type_value


def run_failure(
    run: DagsterRun, run_failure_event: DagsterEvent | None, step_failures: Sequence[DagsterEvent]
) -> RunFailure:
    steps = [
        FailedStep(step=event.step_key or "?", error=_error_message(event))
        for event in step_failures
    ]
    if run_failure_event is not None:
        error = _error_message(run_failure_event)
    else:
        error = f"steps failed: {', '.join(step.step for step in steps)}"
    return RunFailure(
        job=run.job_name,
        run_id=run.run_id,
        error=error,
        failed_steps=steps,
        tags={k: v for k, v in run.tags.items() if not k.startswith(".dagster")},
    )


def report_run_failure(failure: RunFailure, settings: Settings | None = None) -> None:
    """Log the failure, then POST it to the webhook if one is set. A webhook that is down, slow
    or refusing is logged and otherwise ignored: it must not hide the failure it reports."""
    settings = settings or Settings()
    steps = "; ".join(f"{step.step}: {step.error}" for step in failure.failed_steps) or "none"
    logger.error(
        "run failed: job=%s run_id=%s error=%s failed_steps=[%s]",
        failure.job,
        failure.run_id,
        failure.error,
        steps,
    )
    if settings.alert_webhook_url is None:
        return
    try:
        response = httpx.post(
            settings.alert_webhook_url,
            json=failure.model_dump(),
            timeout=settings.alert_webhook_timeout_seconds,
        )
        response.raise_for_status()
    except httpx.HTTPError as error:
        logger.warning(
            "the failure alert for run %s could not be delivered to the webhook: %s: %s",
            failure.run_id,
            type(error).__name__,
            error,
        )


def execute_alerting_on_failure(
    job: dg.JobDefinition,
    *,
    instance: dg.DagsterInstance,
    tags: Mapping[str, str] | None = None,
    **execute_options: Any,
) -> dg.ExecuteInProcessResult:
    """`job.execute_in_process`, never raising on a failed run, which is reported instead."""
    result = job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        tags={**(tags or {}), ALERTED_IN_PROCESS_TAG: "true"},
        **execute_options,
    )
    if not result.success:
        failure_events = [
            event
            for event in result.all_events
            if event.event_type == dg.DagsterEventType.RUN_FAILURE
        ]
        report_run_failure(
            run_failure(
                result.dagster_run,
                failure_events[0] if failure_events else None,
                result.get_step_failure_events(),
            )
        )
    return result
