"""Balances read straight from the ledger database, to reconcile the warehouse against."""

import psycopg

BALANCES_SQL = """
select merchant_id,
       sum(case when entry_type = 'credit' then amount_minor else -amount_minor end)::bigint
from ledger.entries
where created_xid < %s::xid8
group by merchant_id
"""


def merchant_balances(ledger_dsn: str, watermark: str) -> dict[str, int]:
    """Each merchant's balance over the entries of transactions below the watermark, i.e. exactly
    the entries the warehouse has loaded."""
    with psycopg.connect(ledger_dsn) as ledger:
        return {
            merchant_id: int(total)
            for merchant_id, total in ledger.execute(BALANCES_SQL, (watermark,))
        }
