-- The mart's closing balance on each account's last day equals the balance the ledger itself
-- computed after the account's latest posting (balance_after_minor at its highest version).
-- With the tests that each day opens at the previous closing (the first at zero) and that each
-- day's net is that day's postings, every day's closing is the ledger's balance as of that day.
-- A daily build checks the accounts the latest load posted to (macros/ledger_tests_since.sql):
-- an account without new postings keeps its last closing.
with ledger_balance as (
    select distinct on (account_id) account_id, balance_after_minor
    from {{ ref('stg_ledger__postings') }}
    where _loaded_at >= {{ ledger_tests_since() }}
    order by account_id, account_version desc
),

last_day as (
    select distinct on (account_id) account_id, business_date, closing_balance_minor
    from {{ ref('fct_daily_cash_flow') }}
    order by account_id, business_date desc
)

select last_day.*, ledger_balance.balance_after_minor
from last_day
inner join ledger_balance on ledger_balance.account_id = last_day.account_id
where last_day.closing_balance_minor <> ledger_balance.balance_after_minor
