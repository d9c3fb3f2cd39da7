"""Reads of the finance marts for the cash-flow page."""

from datetime import date

import pandas as pd

from dashboards.queries.warehouse import MartsNotBuilt, read_marts

__all__ = [
    "MartsNotBuilt",
    "accounts",
    "daily_cash_flow",
    "date_span",
    "day_postings",
    "merchants",
    "period_totals",
]

# The account shown first: the merchant's money (the mart also has its other accounts).
CASH_ACCOUNT = "cash"


def merchants() -> pd.DataFrame:
    return read_marts(
        # One index probe per merchant, not a pass over every merchant's days.
        "select merchants.merchant_id, merchants.merchant_name, merchants.currency "
        "from marts.dim_merchants as merchants "
        "where exists (select from marts.fct_daily_cash_flow as days"
        "  where days.merchant_id = merchants.merchant_id) "
        "order by merchants.merchant_name",
        {},
    )


def accounts(merchant_id: str) -> pd.DataFrame:
    """The merchant's accounts in the consolidation, cash first."""
    return read_marts(
        "select accounts.account_code, accounts.account_name "
        "from marts.dim_accounts as accounts "
        "where accounts.tenant_id = :merchant_id and exists ("
        "  select from marts.fct_daily_cash_flow as days"
        "  where days.account_id = accounts.account_id) "
        "order by accounts.account_code <> :cash, accounts.account_code",
        {"merchant_id": merchant_id, "cash": CASH_ACCOUNT},
    )


def date_span(merchant_id: str, account_code: str) -> tuple[date, date]:
    span = read_marts(
        "select min(business_date) as first_date, max(business_date) as last_date "
        "from marts.fct_daily_cash_flow "
        "where merchant_id = :merchant_id and account_code = :account_code",
        {"merchant_id": merchant_id, "account_code": account_code},
    )
    return span["first_date"].iloc[0], span["last_date"].iloc[0]


def daily_cash_flow(merchant_id: str, account_code: str, first: date, last: date) -> pd.DataFrame:
    return read_marts(
        "select account_id, business_date, opening_balance_minor, credits_minor, debits_minor, "
        "net_minor, closing_balance_minor, credit_count, debit_count "
        "from marts.fct_daily_cash_flow "
        "where merchant_id = :merchant_id and account_code = :account_code "
        "and business_date between :first and :last "
        "order by business_date",
        {"merchant_id": merchant_id, "account_code": account_code, "first": first, "last": last},
    )


def period_totals(merchant_id: str, account_code: str, first: date, last: date) -> pd.DataFrame:
    """One row: the period's credits, debits and closing balance (null sums when it has no day),
    for comparing a period with the one before it."""
    return read_marts(
        "select coalesce(sum(credits_minor), 0) as credits_minor, "
        "coalesce(sum(debits_minor), 0) as debits_minor, "
        "(array_agg(closing_balance_minor order by business_date desc))[1] "
        "as closing_balance_minor, count(*) as days "
        "from marts.fct_daily_cash_flow "
        "where merchant_id = :merchant_id and account_code = :account_code "
        "and business_date between :first and :last",
        {"merchant_id": merchant_id, "account_code": account_code, "first": first, "last": last},
    )


def day_postings(account_id: str, day: date) -> pd.DataFrame:
    """The postings behind one day of the consolidation: the drill-down."""
    return read_marts(
        "select occurred_at, direction, amount_minor, balance_after_minor, description, "
        "category, transfer_kind, external_id, transfer_id "
        "from marts.fct_ledger_postings "
        "where account_id = cast(:account_id as uuid) and business_date = :day "
        "order by occurred_at, posting_id",
        {"account_id": account_id, "day": day},
    )
