{#- One row per posting, with its effect on the account's balance (on the account's normal side:
    a credit raises a credit-normal account, a debit a debit-normal one) and its business date
    in the account holder's time zone. -#}
with postings as (
    select * from {{ source('ledger', 'ledger_postings') }}
),

accounts as (
    select * from {{ ref('stg_ledger__accounts') }}
),

tenants as (
    select tenant_id, timezone from {{ ref('stg_ledger__tenants') }}
)

select
    postings.posting_id,
    postings.transfer_id,
    postings.account_id,
    accounts.tenant_id,
    postings.direction,
    postings.amount_minor,
    case when postings.direction = accounts.normal_side then postings.amount_minor
         else -postings.amount_minor end as balance_effect_minor,
    postings.balance_after_minor,
    postings.account_version,
    accounts.currency,
    postings.occurred_at,
    {{ business_date('postings.occurred_at', 'tenants.timezone') }} as business_date,
    postings.posted_at,
    postings._loaded_at
from postings
inner join accounts on accounts.account_id = postings.account_id
inner join tenants on tenants.tenant_id = accounts.tenant_id
