{#- Ledger entries as reconciliation sees them, with the bank account an entry that finds no bank
    line is reported under: the merchant's first registered account (Open Finance first).
    Incremental, indexed for the matcher's look-ups (by merchant and amount, by merchant and
    date): a daily run adds the entries loaded since the newest one here (entries are
    append-only), and int_reconciliation__rebuilt_items probes it item by item. A change to the
    merchant_bank_accounts register needs a full refresh of the reconciliation models. -#}
{{
    config(
        materialized='incremental',
        unique_key='ledger_item_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[
            {'columns': ['ledger_item_id'], 'unique': true},
            {'columns': ['merchant_id', 'signed_amount_minor', 'business_date']},
            {'columns': ['merchant_id', 'business_date']},
            {'columns': ['business_date']},
            {'columns': ['loaded_at']},
        ],
    )
}}

with entries as (
    select * from {{ ref('stg_ledger__entries') }}
    {% if is_incremental() -%}
    where _loaded_at > {{ newest_loaded('loaded_at') }}
    {%- endif %}
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
    primary_accounts.bank_account_id as primary_bank_account_id,
    entries._loaded_at as loaded_at
from entries
left join primary_accounts on primary_accounts.merchant_id = entries.merchant_id
