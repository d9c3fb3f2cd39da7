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
    the loaded lines, or lines the bank never listed).
    The sums per day with an item come from int_reconciliation__account_days (incremental); this
    spreads them over the calendar days and adds the stated balance, so a run reads one row per
    account and active day rather than every item. -#}
with account_days as (
    select * from {{ ref('int_reconciliation__account_days') }}
),

anchors as (
    select * from {{ ref('int_reconciliation__bank_balance_anchors') }}
),

accounts as (
    select
        bank_source,
        bank_account_id,
        max(merchant_id) as merchant_id,
        max(currency) as currency
    from account_days
    group by bank_source, bank_account_id
),

running as (
    select
        account_days.*,
        lead(business_date) over (
            partition by bank_source, bank_account_id order by business_date
        ) as next_active_date
    from account_days
),

{#- Every day from the account's first item to the later of its last item and its last stated
    balance: an active day's totals, and on the days after it until the next active day its
    balances carried with nothing booked. Expanding the active days, rather than joining each
    day of a calendar to them, keeps this one pass over the active days. -#}
days as (
    select
        running.bank_source,
        running.bank_account_id,
        accounts.merchant_id,
        accounts.currency,
        calendar_day::date as business_date,
        running.ledger_closing_balance_minor,
        running.bank_lines_to_date_minor,
        running.explained_difference_minor,
        case when calendar_day::date = running.business_date
            then running.matched_item_count else 0 end as matched_item_count,
        case when calendar_day::date = running.business_date
            then running.exception_item_count else 0 end as exception_item_count
    from running
    inner join accounts
        on accounts.bank_source = running.bank_source
        and accounts.bank_account_id = running.bank_account_id
    left join anchors
        on anchors.bank_source = running.bank_source
        and anchors.bank_account_id = running.bank_account_id
    cross join lateral generate_series(
        running.business_date,
        coalesce(
            running.next_active_date - 1,
            greatest(running.business_date, anchors.anchor_business_date)
        ),
        interval '1 day'
    ) as calendar_day
),

balances as (
    select
        days.*,
        days.bank_lines_to_date_minor + anchors.balance_offset_minor
            as bank_closing_balance_minor,
        anchors.bank_account_id is not null as has_bank_balance
    from days
    left join anchors
        on anchors.bank_source = days.bank_source
        and anchors.bank_account_id = days.bank_account_id
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
