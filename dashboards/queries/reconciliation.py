"""Reads of the reconciliation marts for the Conciliação page. `merchant_id` None means every
merchant, bank lines of unknown accounts included."""

from datetime import date

import pandas as pd

from dashboards.queries.warehouse import read_marts

MERCHANT_FILTER = "(cast(:merchant_id as text) is null or merchant_id = :merchant_id)"


def merchants() -> pd.DataFrame:
    return read_marts(
        "select merchants.merchant_id, merchants.merchant_name "
        "from marts.dim_merchants as merchants "
        "where exists (select from marts.fct_bank_reconciliation as items"
        "  where items.merchant_id = merchants.merchant_id) "
        "order by merchants.merchant_name",
        {},
    )


def date_span(merchant_id: str | None) -> tuple[date | None, date | None]:
    span = read_marts(
        "select min(business_date) as first_date, max(business_date) as last_date "
        f"from marts.fct_bank_reconciliation where {MERCHANT_FILTER}",
        {"merchant_id": merchant_id},
    )
    return span["first_date"].iloc[0], span["last_date"].iloc[0]


def daily_match_rate(merchant_id: str | None, first: date, last: date) -> pd.DataFrame:
    return read_marts(
        "select business_date, count(*) as items, "
        "count(*) filter (where status = 'matched') as matched_items "
        "from marts.fct_bank_reconciliation "
        f"where {MERCHANT_FILTER} and business_date between :first and :last "
        "group by business_date order by business_date",
        {"merchant_id": merchant_id, "first": first, "last": last},
    )


def open_item_counts(merchant_id: str | None, first: date, last: date) -> pd.DataFrame:
    """The items not matched on the same day, counted by status and business date: the page
    buckets them by age without reading every item (at 1M postings, tens of thousands)."""
    return read_marts(
        "select status, business_date, count(*) as items "
        "from marts.fct_bank_reconciliation "
        f"where {MERCHANT_FILTER} and business_date between :first and :last "
        "and status <> 'matched' "
        "group by status, business_date",
        {"merchant_id": merchant_id, "first": first, "last": last},
    )


def oldest_open_items(merchant_id: str | None, first: date, last: date, limit: int) -> pd.DataFrame:
    """The `limit` oldest items not matched on the same day, for the drill-down."""
    return read_marts(
        "select reconciliation_item_id, status, merchant_id, business_date, currency, "
        "difference_minor, ledger_amount_minor, bank_amount_minor, ledger_description, "
        "bank_description, bank_source "
        "from marts.fct_bank_reconciliation "
        f"where {MERCHANT_FILTER} and business_date between :first and :last "
        "and status <> 'matched' "
        "order by business_date, reconciliation_item_id limit :limit",
        {"merchant_id": merchant_id, "first": first, "last": last, "limit": limit},
    )


def daily_differences(merchant_id: str | None, first: date, last: date) -> pd.DataFrame:
    """Per day, the bank's closing minus the ledger's over the merchant's accounts, and how much
    of it the unmatched items explain."""
    return read_marts(
        "select business_date, sum(ledger_closing_balance_minor) as ledger_closing_minor, "
        "sum(bank_closing_balance_minor) as bank_closing_minor, "
        "sum(difference_minor) as difference_minor, "
        "sum(explained_difference_minor) as explained_minor, "
        "sum(unexplained_difference_minor) as unexplained_minor, "
        "bool_and(has_bank_balance) as has_bank_balance "
        "from marts.fct_daily_reconciliation "
        f"where {MERCHANT_FILTER} and business_date between :first and :last "
        "group by business_date order by business_date",
        {"merchant_id": merchant_id, "first": first, "last": last},
    )


def item(reconciliation_item_id: str, business_date: date) -> pd.DataFrame:
    """One item with both sides, for the drill-down. Found through its business date's index:
    the mart keeps no index on the item id, a hash that would take each day's items at random
    pages of the index."""
    return read_marts(
        "select * from marts.fct_bank_reconciliation "
        "where business_date = :business_date "
        "and reconciliation_item_id = :reconciliation_item_id",
        {"reconciliation_item_id": reconciliation_item_id, "business_date": business_date},
    )
