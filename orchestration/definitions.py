"""Assembles the Dagster code location: `dagster dev -m orchestration.definitions`."""

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.defs.alerts import run_failure_alert_sensor
from orchestration.defs.daily import daily_job, daily_schedule
from orchestration.defs.dbt.assets import build_dbt_assets
from orchestration.defs.dbt.project import DBT_EXECUTABLE, dbt_project, prepare_manifest
from orchestration.defs.finance.checks import check_closing_balance_matches_ledger
from orchestration.defs.health import run_health_failure_sensor, run_health_success_sensor
from orchestration.defs.kyc import KycSource, kyc_assets
from orchestration.defs.ledger.assets import raw_ledger_tables
from orchestration.defs.openfinance import OpenFinanceSource, openfinance_assets
from orchestration.defs.quality import quality_checks
from orchestration.defs.resources import FluxoDatabases
from orchestration.defs.statements import statement_assets, statement_sensors


@dg.definitions
def defs() -> dg.Definitions:
    project = dbt_project()
    if not project.manifest_path.exists():
        prepare_manifest(project)
    return dg.Definitions(
        assets=[
            raw_ledger_tables,
            *statement_assets,
            *openfinance_assets,
            *kyc_assets,
            build_dbt_assets(project),
        ],
        asset_checks=[check_closing_balance_matches_ledger, *quality_checks],
        jobs=[daily_job],
        schedules=[daily_schedule],
        sensors=[
            *statement_sensors,
            run_failure_alert_sensor,
            run_health_success_sensor,
            run_health_failure_sensor,
        ],
        resources={
            "databases": FluxoDatabases(),
            "openfinance": OpenFinanceSource(),
            "kyc": KycSource(),
            "dbt": DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE),
        },
    )
