"""One job builds the platform for a business date, or a range of them, as one run."""

import dagster as dg

DAILY_JOB = "daily_job"

# Dagster 1.13 runs partitioned and unpartitioned assets in one job: the Open Finance assets load
# the run's business dates (one window, whatever the range), the unpartitioned ones (ledger copy,
# statement files, KYC) load whatever is new, and dbt rebuilds the marts for those dates.
daily_job = dg.define_asset_job(
    DAILY_JOB,
    selection=dg.AssetSelection.all(),
    description="Loads a business date's sources (America/Sao_Paulo), or a range of dates as one "
    "run, and builds every model and check downstream. Backfill a range from its Partitions tab.",
)
