select
    transfer_id,
    tenant_id,
    currency,
    kind as transfer_kind,
    reverses_transfer_id,
    hold_id,
    external_id,
    description,
    category,
    occurred_at,
    created_at,
    _loaded_at
from {{ source('ledger', 'ledger_transfers') }}
