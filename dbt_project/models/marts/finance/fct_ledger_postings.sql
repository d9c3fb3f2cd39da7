{#- Every ledger posting with its transfer and account, for analysis: one row per posting.
    Incremental by load time: postings loaded within `cash_flow_reload_margin` of the newest one
    already here are merged again, so a load that committed late is never missed. A run given the
    vars `backfill_from` and `backfill_to` merges again the postings of those business dates. -#}
{#- loaded_at is indexed: the next run starts from the newest load here, found in the index. -#}
{%- set backfill_from = var('backfill_from', none) -%}
{%- set backfill_to = var('backfill_to', backfill_from) -%}
{{
    config(
        materialized='incremental',
        unique_key='posting_id',
        incremental_strategy='replace_reloaded',
        on_schema_change='fail',
        indexes=[
            {'columns': ['posting_id'], 'unique': true},
            {'columns': ['account_id', 'business_date']},
            {'columns': ['transfer_id']},
            {'columns': ['loaded_at']},
        ],
    )
}}

with postings as (
    select * from {{ ref('stg_ledger__postings') }}
    {% if is_incremental() -%}
    where _loaded_at > {{ newest_loaded('loaded_at') }}
        - interval '{{ var("cash_flow_reload_margin") }}'
        {%- if backfill_from %}
        or business_date between '{{ backfill_from }}'::date and '{{ backfill_to }}'::date
        {%- endif %}
    {%- endif %}
),

accounts as (
    select * from {{ ref('stg_ledger__accounts') }}
),

transfers as (
    select * from {{ ref('stg_ledger__transfers') }}
)

select
    postings.posting_id,
    postings.transfer_id,
    postings.account_id,
    postings.tenant_id,
    accounts.account_code,
    postings.direction,
    postings.amount_minor,
    postings.balance_effect_minor,
    postings.balance_after_minor,
    postings.account_version,
    postings.currency,
    postings.occurred_at,
    postings.business_date,
    postings.posted_at,
    transfers.transfer_kind,
    transfers.reverses_transfer_id,
    transfers.external_id,
    transfers.description,
    transfers.category,
    postings._loaded_at as loaded_at
from postings
inner join accounts on accounts.account_id = postings.account_id
{% if is_incremental() -%}
{#- A day's postings look their transfers up by key; a hash join would read every transfer. -#}
cross join lateral (
    select * from transfers where transfers.transfer_id = postings.transfer_id
) as transfers
{%- else -%}
inner join transfers on transfers.transfer_id = postings.transfer_id
{%- endif %}
