select
    merchant_id,
    merchant_name,
    currency,
    timezone,
    created_at
from {{ ref('stg_ledger__merchants') }}
