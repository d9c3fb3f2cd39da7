{#- Ledger entries as reconciliation sees them, with the bank account an entry that finds no bank
    line is reported under: the merchant's first registered account (Open Finance first). -#}
with entries as (
    select * from {{ ref('stg_ledger__entries') }}
),

registered_accounts as (
    select * from {{ ref('merchant_bank_accounts') }}
),

primary_accounts as (
    select distinct on (merchant_id)
        merchant_id,
        source as bank_source,
        bank_account_id
    from registered_accounts
    order by merchant_id, (source = 'openfinance') desc, bank_account_id
)

select
    entries.merchant_id || ':' || entries.entry_id::text as ledger_item_id,
    entries.entry_id as ledger_entry_id,
    entries.merchant_id,
    entries.external_id,
    entries.signed_amount_minor,
    entries.currency,
    entries.occurred_at,
    entries.business_date,
    entries.description,
    entries.category,
    primary_accounts.bank_source as primary_bank_source,
    primary_accounts.bank_account_id as primary_bank_account_id
from entries
left join primary_accounts on primary_accounts.merchant_id = entries.merchant_id
