{#- Ledger volume (in and out together) and operation count per merchant, currency and business
    day: the active days rule 7 (int_aml__dormant_account_reactivated) finds a wake-up among.

    Incremental and additive, as int_compliance__channel_months: a run adds the ledger operations
    loaded since the newest one counted here to their day's totals, so the rule reads one row per
    merchant and day instead of every operation of the scanned days. -#}
{%- set keys = ['merchant_id', 'currency', 'business_date'] -%}
{{
    config(
        materialized='incremental',
        unique_key=keys,
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[
            {'columns': keys, 'unique': true},
            {'columns': ['business_date']},
        ],
    )
}}

with new_operations as (
    select * from {{ ref('int_compliance__operations') }}
    where source = 'ledger'
    {% if is_incremental() -%}
      and loaded_at > {{ newest_loaded('loaded_at') }}
    {%- endif %}
),

new_totals as (
    select
        merchant_id,
        currency,
        business_date,
        sum(amount_minor) as moved_minor,
        count(*) as operation_count,
        max(loaded_at) as loaded_at
    from new_operations
    group by merchant_id, currency, business_date
)

{{ additive_totals(keys, added=['moved_minor', 'operation_count'], latest=['loaded_at']) }}
