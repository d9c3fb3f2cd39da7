"""The raw Open Finance tables, loaded per booking day from the institution's Accounts API."""

from collections.abc import Iterator
from datetime import date

import dagster as dg
from pydantic import Field

from ingestion.documents import document_token_key
from ingestion.openfinance.load import (
    DEFAULT_MAX_ERROR_RATE,
    DEFAULT_OVERLAP_DAYS,
    load_openfinance,
)
from orchestration.defs.openfinance.resources import OpenFinanceSource
from orchestration.defs.partitions import business_date_partitions
from orchestration.defs.resources import FluxoDatabases
from orchestration.defs.retries import INGESTION_RETRY_POLICY, retried_only_if_transient

ACCOUNTS_KEY = dg.AssetKey(["raw", "openfinance_accounts"])
BALANCES_KEY = dg.AssetKey(["raw", "openfinance_balances"])
TRANSACTIONS_KEY = dg.AssetKey(["raw", "openfinance_transactions"])


class OpenFinanceLoadConfig(dg.Config):
    overlap_days: int = Field(
        default=DEFAULT_OVERLAP_DAYS,
        ge=0,
        description="Booking days before the partition (or watermark) fetched again, for late "
        "bookings and pending transactions that settle or change id.",
    )
    max_error_rate: float = Field(
        default=DEFAULT_MAX_ERROR_RATE,
        ge=0,
        le=1,
        description="Share of a run's records that may fail validation before nothing is loaded.",
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ACCOUNTS_KEY,
            group_name="openfinance",
            kinds={"postgres"},
            description="Consented accounts at the institution (Open Finance Accounts API v2), "
            "a new version when one changes.",
        ),
        dg.AssetSpec(
            BALANCES_KEY,
            group_name="openfinance",
            kinds={"postgres"},
            description="Balance snapshots per account, one row per updateDateTime.",
        ),
        dg.AssetSpec(
            TRANSACTIONS_KEY,
            group_name="openfinance",
            kinds={"postgres"},
            description="Transactions by booking date, append-only: a new version per "
            "(account_id, transaction_id) when one is new or changed; pending ones the bank no "
            "longer lists get a withdrawn version. The latest _sequence is the current state.",
        ),
    ],
    partitions_def=business_date_partitions,
    # A backfill of many days is one run fetching one window, not a run per day.
    backfill_policy=dg.BackfillPolicy.single_run(),
    retry_policy=INGESTION_RETRY_POLICY,
)
def raw_openfinance_tables(
    context: dg.AssetExecutionContext,
    config: OpenFinanceLoadConfig,
    openfinance: OpenFinanceSource,
    databases: FluxoDatabases,
) -> Iterator[dg.MaterializeResult]:  # type: ignore[type-arg]
    days = context.partition_key_range
    with (
        openfinance.client() as client,
        # A failure keeps the client's view of it (retries, breaker) on the failed run.
        retried_only_if_transient(lambda: client.stats.as_metadata()),
    ):
        result = load_openfinance(
            client,
            databases.urls().warehouse_dsn,
            token_key=document_token_key(),
            from_date=date.fromisoformat(days.start),
            to_date=date.fromisoformat(days.end),
            overlap_days=config.overlap_days,
            max_error_rate=config.max_error_rate,
        )
    stats = result.client_stats
    run: dict[str, str | int] = {
        "batch_id": result.batch_id,
        "window_from": result.window_from.isoformat(),
        "window_to": result.window_to.isoformat(),
        "pages_fetched": stats.pages_fetched,
        "retries": stats.retries,
        "breaker_state": stats.breaker_state,
        "breaker_opens": stats.breaker_opens,
    }
    yield dg.MaterializeResult(
        asset_key=ACCOUNTS_KEY, metadata={**run, "rows_loaded": result.accounts_loaded}
    )
    yield dg.MaterializeResult(
        asset_key=BALANCES_KEY, metadata={**run, "rows_loaded": result.balances_loaded}
    )
    yield dg.MaterializeResult(
        asset_key=TRANSACTIONS_KEY,
        metadata={
            **run,
            "rows_loaded": result.transactions_loaded,
            "pending_withdrawn": result.pending_withdrawn,
            "records_seen": result.records_seen,
            "rows_quarantined": result.records_quarantined,
            "watermark_from": result.watermark_from.isoformat()
            if result.watermark_from
            else "start",
            "watermark_to": result.watermark_to.isoformat(),
            "token_requests": stats.token_requests,
            "rate_limited": stats.rate_limited,
        },
    )
