with source as (
    select * from {{ source('ledger', 'ledger_merchants') }}
)

select
    merchant_id,
    name as merchant_name,
    currency,
    timezone,
    created_at
from source
