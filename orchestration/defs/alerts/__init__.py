"""Alerts on failed runs: a log line, and a webhook when FLUXO_ALERT_WEBHOOK_URL is set."""

from orchestration.defs.alerts.failures import (
    ALERTED_IN_PROCESS_TAG,
    RunFailure,
    execute_alerting_on_failure,
    report_run_failure,
)
from orchestration.defs.alerts.sensors import run_failure_alert_sensor

__all__ = [
    "ALERTED_IN_PROCESS_TAG",
    "RunFailure",
    "execute_alerting_on_failure",
    "report_run_failure",
    "run_failure_alert_sensor",
]
