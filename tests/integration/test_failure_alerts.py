"""A failed run is logged and POSTed to FLUXO_ALERT_WEBHOOK_URL: from its own process when run in
process (`fluxo pipeline run`), by the run-failure sensor when launched by the daemon or the UI;
a webhook that fails never hides the run's failure."""

import logging
from collections.abc import Iterator
from datetime import date

import dagster as dg
import pytest

from ingestion.openfinance.simulator import OpenFinanceSimulator, simulator_in_thread
from orchestration.defs.alerts import execute_alerting_on_failure, run_failure_alert_sensor
from orchestration.defs.openfinance import OpenFinanceSource, openfinance_assets
from orchestration.defs.resources import FluxoDatabases
from tests.webhook import Webhook, recording_webhook

TODAY = date(2026, 3, 4)


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[Webhook]:
    with recording_webhook() as recorder:
        monkeypatch.setenv("FLUXO_ALERT_WEBHOOK_URL", recorder.url)
        yield recorder


@pytest.fixture
def failing_job(
    database_urls: object, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dg.JobDefinition]:
    """The Open Finance load against a bank that refuses our consent: a real step failure, and a
    permanent one, so it is not retried."""
    monkeypatch.setenv("FLUXO_OPENFINANCE_CONSENT_ID", "urn:fluxo:consent:revoked")
    monkeypatch.setenv("FLUXO_DOCUMENT_TOKEN_KEY", "test-document-token-key-" + "0" * 32)
    bank = OpenFinanceSimulator(today=TODAY, days=2, merchant_ids=["padaria-pao-dourado"])
    with simulator_in_thread(bank) as bank_url:
        yield dg.Definitions(
            assets=openfinance_assets,
            jobs=[dg.define_asset_job("openfinance_job")],
            resources={
                "openfinance": OpenFinanceSource(base_url=bank_url),
                "databases": FluxoDatabases(),
            },
        ).resolve_job_def("openfinance_job")


def test_a_run_failing_in_process_is_logged_and_posted(
    webhook: Webhook, failing_job: dg.JobDefinition, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR), dg.DagsterInstance.ephemeral() as instance:
        result = execute_alerting_on_failure(
            failing_job, instance=instance, partition_key=TODAY.isoformat()
        )

    assert not result.success
    (alert,) = webhook.received
    assert alert["event"] == "run_failure"
    assert alert["job"] == "openfinance_job"
    assert alert["run_id"] == result.run_id
    assert [step["step"] for step in alert["failed_steps"]] == ["raw_openfinance_tables"]
    assert "403" in alert["failed_steps"][0]["error"]
    assert alert["tags"]["dagster/partition"] == TODAY.isoformat()
    logged = [r.getMessage() for r in caplog.records if "run failed" in r.getMessage()]
    assert len(logged) == 1
    assert result.run_id in logged[0] and "raw_openfinance_tables" in logged[0]


@pytest.mark.parametrize("answer", ["error", "unreachable"])
def test_a_failing_webhook_does_not_hide_the_runs_failure(
    webhook: Webhook,
    failing_job: dg.JobDefinition,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    answer: str,
) -> None:
    if answer == "error":
        webhook.status = 500
    else:
        monkeypatch.setenv("FLUXO_ALERT_WEBHOOK_URL", "http://127.0.0.1:9/alerts")
    monkeypatch.setenv("FLUXO_ALERT_WEBHOOK_TIMEOUT_SECONDS", "2")

    with caplog.at_level(logging.WARNING), dg.DagsterInstance.ephemeral() as instance:
        result = execute_alerting_on_failure(
            failing_job, instance=instance, partition_key=TODAY.isoformat()
        )

    assert not result.success
    assert result.get_failed_step_keys() == {"raw_openfinance_tables"}
    assert any("could not be delivered" in r.getMessage() for r in caplog.records)
    assert len(webhook.received) == (1 if answer == "error" else 0)


def sensor_context(
    instance: dg.DagsterInstance, result: dg.ExecuteInProcessResult
) -> dg.RunFailureSensorContext:
    return dg.build_run_status_sensor_context(
        sensor_name=run_failure_alert_sensor.name,
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    ).for_run_failure()


def test_the_sensor_reports_a_run_launched_by_the_daemon_or_ui(
    webhook: Webhook, failing_job: dg.JobDefinition
) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        # As a run launched elsewhere: executed without reporting itself.
        result = failing_job.execute_in_process(
            instance=instance, partition_key=TODAY.isoformat(), raise_on_error=False
        )
        assert webhook.received == []
        run_failure_alert_sensor(sensor_context(instance, result))

    (alert,) = webhook.received
    assert alert["run_id"] == result.run_id
    assert [step["step"] for step in alert["failed_steps"]] == ["raw_openfinance_tables"]


def test_the_sensor_does_not_report_a_run_again(
    webhook: Webhook, failing_job: dg.JobDefinition
) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        result = execute_alerting_on_failure(
            failing_job, instance=instance, partition_key=TODAY.isoformat()
        )
        skipped = run_failure_alert_sensor(sensor_context(instance, result))

    assert isinstance(skipped, dg.SkipReason)
    assert [alert["run_id"] for alert in webhook.received] == [result.run_id]
