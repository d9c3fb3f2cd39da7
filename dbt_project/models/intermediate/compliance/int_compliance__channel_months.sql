{#- Ledger volume per merchant, currency, channel, direction and calendar month: what rule 9
    (int_aml__behaviour_change) compares a month with the three before it on, and the monthly
    credits of rules 6 (int_aml__turnover_above_declared) and 13
    (int_aml__cash_heavy_card_business).

    Incremental and additive: a run adds the ledger operations loaded since the newest one
    counted here to their month's totals (ledger entries are append-only, and a load stamps its
    rows later than every earlier load's), so the rules read a few rows per merchant and month
    instead of months of operations. -#}
{%- set keys = ['merchant_id', 'currency', 'channel', 'direction', 'month_start'] -%}
{{
    config(
        materialized='incremental',
        unique_key=keys,
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[
            {'columns': keys, 'unique': true},
            {'columns': ['month_start']},
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
        channel,
        direction,
        date_trunc('month', business_date)::date as month_start,
        sum(amount_minor) as volume_minor,
        count(*) as operation_count,
        min(business_date) as first_day,
        max(business_date) as last_day,
        max(loaded_at) as loaded_at
    from new_operations
    group by merchant_id, currency, channel, direction, date_trunc('month', business_date)
)

{{ additive_totals(
    keys,
    added=['volume_minor', 'operation_count'],
    earliest=['first_day'],
    latest=['last_day', 'loaded_at'],
) }}
