{#- Ledger entries as reconciliation sees them, with the bank account an entry that finds no bank
    line is reported under: the merchant's first registered account (Open Finance first).
    Incremental, indexed for the matcher's look-ups (by merchant, date range and amount; the
    date before the amount, so a day's entries go in at one place per merchant rather than at
    random pages of the index): a daily run adds the entries loaded since the newest one here
    (entries are append-only), and int_reconciliation__rebuilt_items probes it item by item.

    A merchant's first account changes when it registers an account: a run also takes again,
    from here, the entries of every merchant with an account registered since the newest entry
    here. The ledger copy lands the register before the entries of the same load, and loads
    one after another (ingestion/ledger/tables.py), so an account registered by the time of an
    entry here carries an earlier _loaded_at and was seen by the run that added that entry. -#}
{{
    config(
        materialized='incremental',
        unique_key='ledger_item_id',
        incremental_strategy='replace_reloaded',
        on_schema_change='fail',
        indexes=[
            {'columns': ['ledger_item_id'], 'unique': true},
            {'columns': ['merchant_id', 'business_date', 'signed_amount_minor']},
            {'columns': ['business_date']},
            {'columns': ['loaded_at']},
        ],
    )
}}
{#- Read once: both the new entries and the merchants taken again are measured against it. -#}
{%- set newest_entry_loaded = newest_loaded('loaded_at') if is_incremental() else none -%}
{%- set entry_columns = [
    'ledger_item_id', 'ledger_entry_id', 'merchant_id', 'external_id', 'signed_amount_minor',
    'currency', 'occurred_at', 'business_date', 'description', 'category', 'loaded_at',
] %}

with registered_accounts as (
    select * from {{ ref('stg_onboarding__bank_accounts') }}
),

new_entries as (
    select
        merchant_id || ':' || entry_id::text as ledger_item_id,
        entry_id as ledger_entry_id,
        merchant_id,
        external_id,
        signed_amount_minor,
        currency,
        occurred_at,
        business_date,
        description,
        category,
        _loaded_at as loaded_at
    from {{ ref('stg_ledger__entries') }}
    {% if is_incremental() -%}
    where _loaded_at > {{ newest_entry_loaded }}
    {%- endif %}
),

entries as (
    select {{ entry_columns | join(', ') }} from new_entries
    {% if is_incremental() -%}
    union all
    select {{ entry_columns | join(', ') }}
    from {{ this }}
    where merchant_id in (
        select merchant_id from registered_accounts
        where register_loaded_at > {{ newest_entry_loaded }}
    )
    {%- endif %}
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
    entries.ledger_item_id,
    entries.ledger_entry_id,
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
    entries.loaded_at
from entries
left join primary_accounts on primary_accounts.merchant_id = entries.merchant_id
