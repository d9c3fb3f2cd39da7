"""Assembles the Dagster code location: `dagster dev -m orchestration.definitions`."""

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.defs.dbt.assets import build_dbt_assets
from orchestration.defs.dbt.project import DBT_EXECUTABLE, dbt_project, prepare_manifest
from orchestration.defs.finance.checks import check_closing_balance_matches_ledger
from orchestration.defs.ledger.assets import raw_ledger_tables
from orchestration.defs.resources import FluxoDatabases
from orchestration.defs.statements import statement_assets, statement_sensors


@dg.definitions
def defs() -> dg.Definitions:
    project = dbt_project()
    if not project.manifest_path.exists():
        prepare_manifest(project)
    return dg.Definitions(
        assets=[raw_ledger_tables, *statement_assets, build_dbt_assets(project)],
        asset_checks=[check_closing_balance_matches_ledger],
        sensors=statement_sensors,
        resources={
            "databases": FluxoDatabases(),
            "dbt": DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE),
        },
    )
