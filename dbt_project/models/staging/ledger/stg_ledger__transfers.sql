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
    counterparty_document_token,
    counterparty_document_masked,
    counterparty_name,
    counterparty_country,
    _loaded_at
from {{ source('ledger', 'ledger_transfers') }}
