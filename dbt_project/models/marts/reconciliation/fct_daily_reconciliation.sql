{#- Per bank account per business day: the ledger's closing balance against the bank's, and how
    much of the difference the items of fct_bank_reconciliation explain.

    Ledger closing: running sum of the ledger entries reported under the account (those matched
    to its lines, and for the merchant's first registered account those with no bank line).
    Bank closing: running sum of the account's lines plus the offset that makes it equal the
    balance the bank last stated (int_reconciliation__bank_balance_anchors); unknown when the
    bank stated none. Explained: the running sum of every unmatched or mismatched item's effect
    on the difference, each side counted on its own date (a date_mismatch explains the days
    between its two dates, an amount_mismatch its difference from its date on). Unexplained:
    what is left, i.e. the part of the bank balance its lines do not account for (history before
    the loaded lines, or lines the bank never listed). -#}
with items as (
    select * from {{ ref('fct_bank_reconciliation') }}
    where bank_account_id is not null
),

anchors as (
    select * from {{ ref('int_reconciliation__bank_balance_anchors') }}
),

accounts as (
    select
        bank_source,
        bank_account_id,
        max(merchant_id) as merchant_id,
        max(currency) as currency,
        least(min(ledger_business_date), min(bank_business_date)) as first_date,
        greatest(max(ledger_business_date), max(bank_business_date)) as last_date
    from items
    group by bank_source, bank_account_id
),

calendar as (
    select
        accounts.bank_source,
        accounts.bank_account_id,
        accounts.merchant_id,
        accounts.currency,
        calendar_day::date as business_date
    from accounts
    left join anchors
        on anchors.bank_source = accounts.bank_source
        and anchors.bank_account_id = accounts.bank_account_id
    cross join lateral generate_series(
        accounts.first_date,
        greatest(accounts.last_date, anchors.anchor_business_date),
        interval '1 day'
    ) as calendar_day
),

ledger_days as (
    select
        bank_source,
        bank_account_id,
        ledger_business_date as business_date,
        sum(ledger_amount_minor) as ledger_net_minor,
        sum(ledger_amount_minor) filter (where status <> 'matched') as ledger_exceptions_minor
    from items
    where ledger_business_date is not null
    group by bank_source, bank_account_id, ledger_business_date
),

bank_days as (
    select
        bank_source,
        bank_account_id,
        bank_business_date as business_date,
        sum(bank_amount_minor) as bank_net_minor,
        sum(bank_amount_minor) filter (where status <> 'matched') as bank_exceptions_minor
    from items
    where bank_business_date is not null
    group by bank_source, bank_account_id, bank_business_date
),

item_days as (
    select
        bank_source,
        bank_account_id,
        business_date,
        count(*) filter (where status = 'matched') as matched_item_count,
        count(*) filter (where status <> 'matched') as exception_item_count
    from items
    group by bank_source, bank_account_id, business_date
),

days as (
    select
        calendar.*,
        coalesce(ledger_days.ledger_net_minor, 0) as ledger_net_minor,
        coalesce(bank_days.bank_net_minor, 0) as bank_net_minor,
        coalesce(bank_days.bank_exceptions_minor, 0)
            - coalesce(ledger_days.ledger_exceptions_minor, 0) as explained_change_minor,
        coalesce(item_days.matched_item_count, 0) as matched_item_count,
        coalesce(item_days.exception_item_count, 0) as exception_item_count
    from calendar
    left join ledger_days
        on ledger_days.bank_source = calendar.bank_source
        and ledger_days.bank_account_id = calendar.bank_account_id
        and ledger_days.business_date = calendar.business_date
    left join bank_days
        on bank_days.bank_source = calendar.bank_source
        and bank_days.bank_account_id = calendar.bank_account_id
        and bank_days.business_date = calendar.business_date
    left join item_days
        on item_days.bank_source = calendar.bank_source
        and item_days.bank_account_id = calendar.bank_account_id
        and item_days.business_date = calendar.business_date
),

running as (
    select
        days.*,
        sum(ledger_net_minor) over account_to_date as ledger_closing_balance_minor,
        sum(bank_net_minor) over account_to_date as bank_lines_to_date_minor,
        sum(explained_change_minor) over account_to_date as explained_difference_minor
    from days
    window account_to_date as (
        partition by bank_source, bank_account_id
        order by business_date
        rows between unbounded preceding and current row
    )
),

balances as (
    select
        running.*,
        running.bank_lines_to_date_minor + anchors.balance_offset_minor
            as bank_closing_balance_minor,
        anchors.bank_account_id is not null as has_bank_balance
    from running
    left join anchors
        on anchors.bank_source = running.bank_source
        and anchors.bank_account_id = running.bank_account_id
)

select
    bank_source,
    bank_account_id,
    business_date,
    merchant_id,
    merchant_id is not null as has_known_merchant,
    currency,
    ledger_closing_balance_minor::bigint as ledger_closing_balance_minor,
    bank_closing_balance_minor::bigint as bank_closing_balance_minor,
    has_bank_balance,
    (bank_closing_balance_minor - ledger_closing_balance_minor)::bigint as difference_minor,
    explained_difference_minor::bigint as explained_difference_minor,
    (bank_closing_balance_minor - ledger_closing_balance_minor - explained_difference_minor)::bigint
        as unexplained_difference_minor,
    matched_item_count::integer as matched_item_count,
    exception_item_count::integer as exception_item_count
from balances
