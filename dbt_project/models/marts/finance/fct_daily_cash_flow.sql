{#- Daily consolidated cash flow: one row per merchant per business day, from its first entry to
    today (or var as_of_date), with days without entries carrying the balance. -#}
{%- set as_of_date = var('as_of_date', none) -%}

with entries as (
    select * from {{ ref('stg_ledger__entries') }}
),

merchants as (
    select * from {{ ref('stg_ledger__merchants') }}
),

daily_totals as (
    select
        merchant_id,
        business_date,
        coalesce(sum(amount_minor) filter (where entry_type = 'credit'), 0)::bigint as credits_minor,
        coalesce(sum(amount_minor) filter (where entry_type = 'debit'), 0)::bigint as debits_minor,
        count(*) filter (where entry_type = 'credit') as credit_count,
        count(*) filter (where entry_type = 'debit') as debit_count
    from entries
    group by merchant_id, business_date
),

activity_span as (
    select merchant_id, min(business_date) as first_date, max(business_date) as last_date
    from daily_totals
    group by merchant_id
),

calendar as (
    select
        merchants.merchant_id,
        merchants.currency,
        calendar_day::date as business_date
    from merchants
    inner join activity_span on activity_span.merchant_id = merchants.merchant_id
    cross join lateral generate_series(
        activity_span.first_date,
        greatest(
            activity_span.last_date,
            {% if as_of_date %}'{{ as_of_date }}'::date{% else %}{{ business_date('now()', 'merchants.timezone') }}{% endif %}
        ),
        interval '1 day'
    ) as calendar_day
),

days as (
    select
        calendar.merchant_id,
        calendar.business_date,
        calendar.currency,
        coalesce(daily_totals.credits_minor, 0) as credits_minor,
        coalesce(daily_totals.debits_minor, 0) as debits_minor,
        coalesce(daily_totals.credit_count, 0) as credit_count,
        coalesce(daily_totals.debit_count, 0) as debit_count
    from calendar
    left join daily_totals
        on daily_totals.merchant_id = calendar.merchant_id
        and daily_totals.business_date = calendar.business_date
),

balances as (
    select
        *,
        (credits_minor - debits_minor)::bigint as net_minor,
        sum(credits_minor - debits_minor) over (
            partition by merchant_id order by business_date
            rows between unbounded preceding and current row
        )::bigint as closing_balance_minor
    from days
)

select
    merchant_id,
    business_date,
    currency,
    (closing_balance_minor - net_minor)::bigint as opening_balance_minor,
    credits_minor,
    debits_minor,
    net_minor,
    closing_balance_minor,
    credit_count::integer as credit_count,
    debit_count::integer as debit_count
from balances
