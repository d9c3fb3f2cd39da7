"""Assembles the Dagster code location: `dagster dev -m orchestration.definitions`."""

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.defs.dbt.assets import build_dbt_assets
from orchestration.defs.dbt.project import DBT_EXECUTABLE, dbt_project, prepare_manifest
from orchestration.defs.finance.checks import check_closing_balance_matches_ledger
from orchestration.defs.kyc import KycSource, kyc_assets
from orchestration.defs.ledger.assets import raw_ledger_tables
from orchestration.defs.openfinance import (
    OpenFinanceSource,
    booking_date_partitions,
    openfinance_assets,
)
from orchestration.defs.quality import quality_checks
from orchestration.defs.resources import FluxoDatabases
from orchestration.defs.statements import statement_assets, statement_sensors

OPENFINANCE_JOB = "openfinance_by_booking_day"
UNPARTITIONED_JOB = "everything_else"

openfinance_by_booking_day = dg.define_asset_job(
    OPENFINANCE_JOB,
    selection=dg.AssetSelection.assets(*openfinance_assets),
    partitions_def=booking_date_partitions,
    description="Open Finance accounts, balances and transactions for a range of booking days.",
)
# Every asset without partitions: the ledger copy, statement files, KYC results, dbt and checks.
everything_else = dg.define_asset_job(
    UNPARTITIONED_JOB,
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(*openfinance_assets),
    description="Every asset but the Open Finance ones, which are loaded by booking day.",
)


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
        jobs=[openfinance_by_booking_day, everything_else],
        sensors=statement_sensors,
        resources={
            "databases": FluxoDatabases(),
            "openfinance": OpenFinanceSource(),
            "kyc": KycSource(),
            "dbt": DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE),
        },
    )
