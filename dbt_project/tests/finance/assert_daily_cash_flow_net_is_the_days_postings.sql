-- Each day's net change is the sum of that day's postings on the account, computed here straight
-- from the postings; a day with none has no change. A daily build checks the days the latest load
-- posted to (macros/ledger_tests_since.sql), with every posting of those days, read per account
-- and time through the raw table's index (a business date lies within a day either side of its
-- UTC date), and that the mart has each of those days.
-- depends_on: {{ ref('stg_ledger__tenants') }}
{%- set since = ledger_tests_since() %}

{% if since == "'-infinity'::timestamptz" -%}
with posted as (
    select account_id, business_date, sum(balance_effect_minor) as net_minor, count(*) as postings
    from {{ ref('stg_ledger__postings') }}
    group by account_id, business_date
)

select days.account_id, days.business_date, days.net_minor, posted.net_minor as posted_net_minor
from {{ ref('fct_daily_cash_flow') }} as days
left join posted
    on posted.account_id = days.account_id and posted.business_date = days.business_date
where days.net_minor <> coalesce(posted.net_minor, 0)
   or days.credit_count + days.debit_count <> coalesce(posted.postings, 0)
{%- else -%}
with touched as (
    select distinct postings.account_id, postings.business_date
    from {{ ref('stg_ledger__postings') }} as postings
    inner join {{ ref('stg_ledger__tenants') }} as tenants
        on tenants.tenant_id = postings.tenant_id
    where postings._loaded_at >= {{ since }} and tenants.tenant_kind = 'merchant'
),

posted as (
    select touched.account_id, touched.business_date,
           sum(postings.balance_effect_minor) as net_minor, count(*) as postings
    from touched
    cross join lateral (
        select balance_effect_minor
        from {{ ref('stg_ledger__postings') }} as day_postings
        where day_postings.account_id = touched.account_id
            and day_postings.occurred_at >= touched.business_date - 1
            and day_postings.occurred_at < touched.business_date + 2
            and day_postings.business_date = touched.business_date
        -- Kept a subquery per day (not merged into a join that reads every posting).
        offset 0
    ) as postings
    group by touched.account_id, touched.business_date
)

select posted.account_id, posted.business_date, days.net_minor,
       posted.net_minor as posted_net_minor
from posted
left join {{ ref('fct_daily_cash_flow') }} as days
    on days.account_id = posted.account_id and days.business_date = posted.business_date
where days.account_id is null
   or days.net_minor <> posted.net_minor
   or days.credit_count + days.debit_count <> posted.postings
{%- endif %}
