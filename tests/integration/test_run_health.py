"""A run's outcome reaches the warehouse tables the data-health page reads: written by the
run-status sensors for runs launched by the daemon or the UI, and not twice for runs that record
themselves in process."""

import dagster as dg
import psycopg

from fluxo.databases import DatabaseUrls
from orchestration.defs.alerts import ALERTED_IN_PROCESS_TAG
from orchestration.defs.health import run_health_failure_sensor
from orchestration.defs.resources import FluxoDatabases


@dg.asset(key_prefix=["raw"])
def health_probe_source() -> int:
    return 1


@dg.asset_check(asset=health_probe_source)
def check_health_probe() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, description="the probe always fails")


@dg.asset(key_prefix=["marts"], deps=[health_probe_source])
def health_probe_mart() -> None:
    raise RuntimeError("the probe mart cannot be built")


JOB = dg.Definitions(
    assets=[health_probe_source, health_probe_mart],
    asset_checks=[check_health_probe],
    jobs=[dg.define_asset_job("health_probe_job")],
).resolve_job_def("health_probe_job")


def failure_context(
    instance: dg.DagsterInstance, result: dg.ExecuteInProcessResult
) -> dg.RunFailureSensorContext:
    return dg.build_run_status_sensor_context(
        sensor_name=run_health_failure_sensor.name,
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        resources={"databases": FluxoDatabases()},
    ).for_run_failure()


def test_a_failed_run_launched_elsewhere_is_recorded_by_the_sensor(
    database_urls: DatabaseUrls,
) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        result = JOB.execute_in_process(instance=instance, raise_on_error=False)
        run_health_failure_sensor(failure_context(instance, result))

    with psycopg.connect(database_urls.warehouse_dsn) as warehouse:
        run = warehouse.execute(
            "select job_name, status, assets_materialized, checks_passed, checks_failed,"
            " failed_steps from marts.pipeline_runs where run_id = %s",
            (result.run_id,),
        ).fetchone()
        check = warehouse.execute(
            "select passed, severity, description, run_id from marts.pipeline_check_results"
            " where asset_key = 'raw/health_probe_source' and check_name = 'check_health_probe'"
        ).fetchone()
        freshness = warehouse.execute(
            "select asset_key, layer, last_run_id from marts.pipeline_asset_freshness"
            " where asset_key like '%%health_probe%%'"
        ).fetchall()
    assert run == ("health_probe_job", "FAILURE", 1, 0, 1, ["marts__health_probe_mart"])
    assert check == (False, "ERROR", "the probe always fails", result.run_id)
    assert freshness == [("raw/health_probe_source", "raw", result.run_id)]


def test_a_run_that_recorded_itself_is_skipped(database_urls: DatabaseUrls) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        result = JOB.execute_in_process(
            instance=instance, raise_on_error=False, tags={ALERTED_IN_PROCESS_TAG: "true"}
        )
        skipped = run_health_failure_sensor(failure_context(instance, result))

    assert isinstance(skipped, dg.SkipReason)
    with psycopg.connect(database_urls.warehouse_dsn) as warehouse:
        assert warehouse.execute(
            "select count(*) from marts.pipeline_runs where run_id = %s", (result.run_id,)
        ).fetchone() == (0,)
