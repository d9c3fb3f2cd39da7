"""The daily consolidation must equal the ledger to the centavo."""

import dagster as dg
import psycopg

from ingestion.ledger.balances import merchant_balances
from ingestion.ledger.tables import ENTRIES
from ingestion.warehouse import current_watermark
from orchestration.defs.resources import FluxoDatabases

DAILY_CASH_FLOW = dg.AssetKey(["marts", "fct_daily_cash_flow"])

# The merchant's money is its cash account; the ledger sums the same account's entries.
LATEST_CLOSING_SQL = """
select distinct on (merchant_id) merchant_id, closing_balance_minor
from marts.fct_daily_cash_flow
where account_code = 'cash'
order by merchant_id, business_date desc
"""


@dg.asset_check(asset=DAILY_CASH_FLOW, blocking=True)
def check_closing_balance_matches_ledger(databases: FluxoDatabases) -> dg.AssetCheckResult:  # type: ignore[type-arg]
    """Each merchant's latest closing balance in the mart equals the sum of its ledger entries up to
    the loaded watermark, read from the ledger database itself."""
    urls = databases.urls()
    with psycopg.connect(urls.warehouse_dsn) as warehouse:
        mart: dict[str, int] = dict(warehouse.execute(LATEST_CLOSING_SQL).fetchall())
        watermark = current_watermark(warehouse, ENTRIES.watermark_source)
    ledger = merchant_balances(urls.ledger_dsn, watermark) if watermark else {}
    mismatches = {
        merchant_id: {"mart": mart.get(merchant_id), "ledger": ledger.get(merchant_id)}
        for merchant_id in sorted(set(mart) | set(ledger))
        if mart.get(merchant_id, 0) != ledger.get(merchant_id, 0)
    }
    return dg.AssetCheckResult(
        passed=not mismatches,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "merchants_compared": len(set(mart) | set(ledger)),
            "mismatches": dg.MetadataValue.json(dict(list(mismatches.items())[:20])),
            "watermark": watermark or "none",
        },
    )
