-- Every merchant account with postings is in the mart, up to its latest posting's day (in a daily
-- build, the postings of the latest load: see macros/ledger_tests_since.sql).
with posted as (
    select postings.account_id, max(postings.business_date) as last_posting_date
    from {{ ref('stg_ledger__postings') }} as postings
    inner join {{ ref('stg_ledger__tenants') }} as tenants
        on tenants.tenant_id = postings.tenant_id
    where tenants.tenant_kind = 'merchant'
        and postings._loaded_at >= {{ ledger_tests_since() }}
    group by postings.account_id
),

built as (
    select account_id, max(business_date) as last_date
    from {{ ref('fct_daily_cash_flow') }}
    group by account_id
)

select posted.account_id, posted.last_posting_date, built.last_date
from posted
left join built on built.account_id = posted.account_id
where built.last_date is null or built.last_date < posted.last_posting_date
