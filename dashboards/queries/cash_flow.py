"""Reads of the finance marts for the cash-flow page."""

from datetime import date

import pandas as pd

from dashboards.queries.warehouse import MartsNotBuilt, read_marts

__all__ = ["MartsNotBuilt", "daily_cash_flow", "date_span", "merchants"]

# The page shows the merchant's money: its cash account (the mart also has its other accounts).
CASH_ACCOUNT = "cash"


def merchants() -> pd.DataFrame:
    return read_marts(
        "select merchant_id, merchant_name, currency from marts.dim_merchants "
        "where merchant_id in (select distinct merchant_id from marts.fct_daily_cash_flow) "
        "order by merchant_name",
        {},
    )


def date_span(merchant_id: str) -> tuple[date, date]:
    span = read_marts(
        "select min(business_date) as first_date, max(business_date) as last_date "
        "from marts.fct_daily_cash_flow "
        "where merchant_id = :merchant_id and account_code = :account_code",
        {"merchant_id": merchant_id, "account_code": CASH_ACCOUNT},
    )
    return span["first_date"].iloc[0], span["last_date"].iloc[0]


def daily_cash_flow(merchant_id: str, first: date, last: date) -> pd.DataFrame:
    return read_marts(
        "select business_date, opening_balance_minor, credits_minor, debits_minor, net_minor, "
        "closing_balance_minor, credit_count, debit_count "
        "from marts.fct_daily_cash_flow "
        "where merchant_id = :merchant_id and account_code = :account_code "
        "and business_date between :first and :last "
        "order by business_date",
        {"merchant_id": merchant_id, "account_code": CASH_ACCOUNT, "first": first, "last": last},
    )
