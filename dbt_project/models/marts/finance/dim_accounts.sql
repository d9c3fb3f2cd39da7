{#- One row per ledger account, with its holder. -#}
with accounts as (
    select * from {{ ref('stg_ledger__accounts') }}
),

tenants as (
    select * from {{ ref('stg_ledger__tenants') }}
)

select
    accounts.account_id,
    accounts.tenant_id,
    tenants.tenant_name,
    tenants.tenant_kind,
    accounts.account_code,
    accounts.account_name,
    accounts.account_type,
    accounts.normal_side,
    accounts.balance_policy,
    accounts.overdraft_limit_minor,
    accounts.currency,
    accounts.created_at
from accounts
inner join tenants on tenants.tenant_id = accounts.tenant_id
