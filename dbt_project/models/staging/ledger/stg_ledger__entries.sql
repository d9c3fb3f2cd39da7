with entries as (
    select * from {{ source('ledger', 'ledger_entries') }}
),

merchants as (
    select merchant_id, timezone from {{ ref('stg_ledger__merchants') }}
)

select
    entries.entry_id,
    entries.merchant_id,
    entries.entry_type,
    entries.amount_minor,
    case when entries.entry_type = 'credit' then entries.amount_minor
         else -entries.amount_minor end as signed_amount_minor,
    entries.currency,
    entries.occurred_at,
    {{ business_date('entries.occurred_at', 'merchants.timezone') }} as business_date,
    entries.description,
    entries.category,
    entries.external_id,
    entries.created_at,
    entries._loaded_at
from entries
inner join merchants on merchants.merchant_id = entries.merchant_id
