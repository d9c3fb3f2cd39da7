select
    tenant_id,
    name as tenant_name,
    kind as tenant_kind,
    currency,
    timezone,
    created_at
from {{ source('ledger', 'ledger_tenants') }}
