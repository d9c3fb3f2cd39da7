"""Balances read straight from the ledger database, to reconcile the warehouse against."""

import psycopg

# A merchant's money is its cash account, a credit raises it. The account's posted totals are kept
# by the write path in the same transaction as its postings, so one statement (one snapshot) that
# takes them and backs out the postings of transactions at or above the watermark gives the
# balance over exactly the postings below it: the work grows with the merchants and the postings
# not loaded yet, not with the whole history.
BALANCES_SQL = """
select accounts.tenant_id,
       (accounts.posted_credits_minor - accounts.posted_debits_minor
        - coalesce(sum(case when postings.direction = 'credit' then postings.amount_minor
                            else -postings.amount_minor end), 0))::bigint
from ledger.accounts
join ledger.tenants on tenants.tenant_id = accounts.tenant_id and tenants.kind = 'merchant'
left join ledger.postings
    on postings.account_id = accounts.account_id and postings.created_xid >= %s::xid8
where accounts.code = 'cash' and accounts.currency = tenants.currency
group by accounts.account_id
"""


def merchant_balances(ledger_dsn: str, watermark: str) -> dict[str, int]:
    """Each merchant's balance over the postings of transactions below the watermark, i.e. exactly
    the entries the warehouse has loaded."""
    with psycopg.connect(ledger_dsn) as ledger:
        return {
            merchant_id: int(total)
            for merchant_id, total in ledger.execute(BALANCES_SQL, (watermark,))
        }
