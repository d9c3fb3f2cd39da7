select
    account_id,
    tenant_id,
    code as account_code,
    name as account_name,
    currency,
    account_type,
    normal_side,
    balance_policy,
    overdraft_limit_minor,
    created_at
from {{ source('ledger', 'ledger_accounts') }}
