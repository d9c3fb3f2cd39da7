"""The raw ledger tables, copied from the ledger database incrementally and exactly once."""

from collections.abc import Iterator

import dagster as dg

from ingestion.ledger.load import load_ledger
from ingestion.ledger.tables import LEDGER_TABLES
from orchestration.defs.resources import FluxoDatabases
from orchestration.defs.retries import INGESTION_RETRY_POLICY, retried_only_if_transient


def _asset_key(raw_table: str) -> dg.AssetKey:
    return dg.AssetKey(raw_table.split("."))


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            _asset_key(table.raw_table),
            group_name="ledger",
            kinds={"postgres"},
            description=f"Rows of {table.source_table} copied from the ledger, append-only.",
        )
        for table in LEDGER_TABLES
    ],
    retry_policy=INGESTION_RETRY_POLICY,
)
def raw_ledger_tables(databases: FluxoDatabases) -> Iterator[dg.MaterializeResult]:  # type: ignore[type-arg]
    # All tables come from one ledger snapshot, so an entry never lands before its merchant.
    with retried_only_if_transient():
        urls = databases.urls()
        results = load_ledger(urls.ledger_dsn, urls.warehouse_dsn)
    for result in results:
        yield dg.MaterializeResult(
            asset_key=_asset_key(result.raw_table),
            metadata={
                "rows_read": result.rows_read,
                "rows_loaded": result.rows_loaded,
                "batch_id": result.batch_id,
                "watermark_from": result.watermark_from or "start",
                "watermark_to": result.watermark_to,
            },
        )
