-- Each day's net change is the sum of that day's postings on the account, computed here straight
-- from the postings; a day with none has no change.
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
