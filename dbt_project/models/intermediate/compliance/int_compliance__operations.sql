{#- Every operation of a merchant the AML rules look at, one row each, from two sources:
    - the ledger's entries (system of record: amounts, the channel read from the category
      through the aml_category_channels seed, and the counterparty the API caller named on the
      entry's transfer, if any: its document token and ISO country);
    - the booked Open Finance transactions of the merchant's registered accounts, which carry the
      counterparty's document token but no cash flag (DEPOSITO/SAQUE may or may not be cash).
    Rules pick their source: amount and cash rules the ledger, counterparty rules the bank; the
    jurisdiction rule (11) reads counterparty_country, which only the ledger records (the bank's
    is null).
    Incremental, indexed by business date: every AML rule reads the operations of its last days,
    which over a view meant reading all of the ledger's entries once per rule. A run adds the
    entries loaded since the newest one here (entries are append-only) and replaces the bank
    operations whole, since a pending transaction may settle, change id or be withdrawn: so an
    account registered since the last run has its operations under its merchant at once. -#}
{#- source is indexed: the pre-hook finds the few bank operations in the index instead of reading
    every operation (13.5 s at the 10M bench). -#}
{{
    config(
        materialized='incremental',
        unique_key='operation_id',
        incremental_strategy='replace_reloaded',
        on_schema_change='fail',
        pre_hook="{% if is_incremental() %}delete from {{ this }} where source = 'bank'{% endif %}",
        indexes=[
            {'columns': ['operation_id'], 'unique': true},
            {'columns': ['business_date']},
            {'columns': ['merchant_id', 'business_date']},
            {'columns': ['loaded_at']},
            {'columns': ['source']},
        ],
    )
}}

with ledger_operations as (
    select
        'ledger:' || entries.entry_id::text as operation_id,
        'ledger' as source,
        entries.merchant_id,
        entries.business_date,
        entries.occurred_at,
        case when entries.entry_type = 'credit' then 'in' else 'out' end as direction,
        entries.amount_minor,
        entries.currency,
        coalesce(channels.channel, 'other') as channel,
        entries.category as operation_type,
        transfers.counterparty_document_token,
        transfers.counterparty_country,
        entries.description,
        entries._loaded_at as loaded_at
    from {{ ref('stg_ledger__entries') }} as entries
    left join {{ ref('aml_category_channels') }} as channels
        on channels.category = entries.category
    -- An entry is its transfer's posting on the merchant's cash account (entry_id = transfer_id),
    -- loaded with it from the same ledger snapshot.
    left join {{ ref('stg_ledger__transfers') }} as transfers
        on transfers.transfer_id = entries.entry_id
    {% if is_incremental() -%}
    where entries._loaded_at > {{ newest_loaded('loaded_at', "source = 'ledger'") }}
    {%- endif %}
),

bank_operations as (
    select
        'bank:' || transactions.account_id || ':' || transactions.transaction_id as operation_id,
        'bank' as source,
        accounts.merchant_id,
        transactions.booking_date as business_date,
        transactions.transaction_at as occurred_at,
        case when transactions.credit_debit = 'CREDITO' then 'in' else 'out' end as direction,
        transactions.amount_minor,
        transactions.currency,
        case transactions.transaction_type
            when 'PIX' then 'pix'
            when 'TED' then 'transfer'
            when 'DOC' then 'transfer'
            when 'TRANSFERENCIA_MESMA_INSTITUICAO' then 'transfer'
            when 'BOLETO' then 'boleto'
            when 'CARTAO' then 'card'
            when 'DEPOSITO' then 'deposit'
            when 'SAQUE' then 'withdrawal'
            else 'other'
        end as channel,
        transactions.transaction_type as operation_type,
        transactions.counterparty_document_token,
        null::text as counterparty_country,
        transactions.transaction_name as description,
        null::timestamptz as loaded_at
    from {{ ref('stg_openfinance__transactions') }} as transactions
    inner join {{ ref('stg_onboarding__bank_accounts') }} as accounts
        on accounts.source = 'openfinance'
        and accounts.bank_account_id = transactions.account_id
    where transactions.is_final
)

select * from ledger_operations
union all
select * from bank_operations
