-- The daily cash-flow consolidation in one hand-written query over the raw ledger tables, the
-- yardstick for a full refresh of marts.fct_daily_cash_flow (bench/warehouse_daily.py): per
-- merchant account per business day (the date in the merchant's time zone), from the account's
-- first posting to today, the opening balance, credits, debits, net, closing balance and counts,
-- quiet days carrying the balance. Same columns as the mart, so the two can be compared row by row.
with merchant_accounts as not materialized (
    select accounts.account_id, accounts.tenant_id as merchant_id, accounts.code as account_code,
           accounts.normal_side, accounts.currency, tenants.timezone
    from raw.ledger_accounts as accounts
    join raw.ledger_tenants as tenants using (tenant_id)
    where tenants.kind = 'merchant'
),

daily_totals as (
    select postings.account_id,
           (postings.occurred_at at time zone merchant_accounts.timezone)::date as business_date,
           coalesce(sum(postings.amount_minor) filter (where postings.direction = 'credit'), 0)
               as credits_minor,
           coalesce(sum(postings.amount_minor) filter (where postings.direction = 'debit'), 0)
               as debits_minor,
           sum(case when postings.direction = merchant_accounts.normal_side
                    then postings.amount_minor else -postings.amount_minor end) as net_minor,
           count(*) filter (where postings.direction = 'credit') as credit_count,
           count(*) filter (where postings.direction = 'debit') as debit_count,
           max(postings._loaded_at) as postings_loaded_at
    from raw.ledger_postings as postings
    join merchant_accounts using (account_id)
    group by 1, 2
),

spans as (
    select daily_totals.account_id,
           min(daily_totals.business_date) as first_date,
           greatest(max(daily_totals.business_date),
                    (now() at time zone min(merchant_accounts.timezone))::date) as last_date
    from daily_totals
    join merchant_accounts using (account_id)
    group by daily_totals.account_id
),

days as (
    select spans.account_id, calendar_day::date as business_date
    from spans
    cross join lateral generate_series(spans.first_date, spans.last_date, interval '1 day')
        as calendar_day
)

select days.account_id,
       merchant_accounts.merchant_id,
       merchant_accounts.account_code,
       merchant_accounts.normal_side,
       days.business_date,
       merchant_accounts.currency,
       (sum(coalesce(daily_totals.net_minor, 0)) over by_day
           - coalesce(daily_totals.net_minor, 0))::bigint as opening_balance_minor,
       coalesce(daily_totals.credits_minor, 0)::bigint as credits_minor,
       coalesce(daily_totals.debits_minor, 0)::bigint as debits_minor,
       coalesce(daily_totals.net_minor, 0)::bigint as net_minor,
       (sum(coalesce(daily_totals.net_minor, 0)) over by_day)::bigint as closing_balance_minor,
       coalesce(daily_totals.credit_count, 0)::integer as credit_count,
       coalesce(daily_totals.debit_count, 0)::integer as debit_count,
       daily_totals.postings_loaded_at
from days
join merchant_accounts using (account_id)
left join daily_totals using (account_id, business_date)
window by_day as (partition by days.account_id order by days.business_date)
