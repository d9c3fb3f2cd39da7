{#- Ledger volume per merchant, currency, channel, direction and calendar month: what rule 9
    (int_aml__behaviour_change) compares a month with the three before it on, and the monthly
    credits of rules 6 (int_aml__turnover_above_declared) and 13
    (int_aml__cash_heavy_card_business).

    Incremental and additive: a run adds the ledger operations loaded since the newest one
    counted here to their month's totals (ledger entries are append-only, and a load stamps its
    rows later than every earlier load's), so the rule reads a few rows per merchant and month
    instead of four months of operations. -#}
{{
    config(
        materialized='incremental',
        unique_key=['merchant_id', 'currency', 'channel', 'direction', 'month_start'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[
            {
                'columns': ['merchant_id', 'currency', 'channel', 'direction', 'month_start'],
                'unique': true,
            },
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

select
    new_totals.merchant_id,
    new_totals.currency,
    new_totals.channel,
    new_totals.direction,
    new_totals.month_start,
    {% if is_incremental() -%}
    (new_totals.volume_minor + coalesce(stored.volume_minor, 0))::bigint as volume_minor,
    (new_totals.operation_count + coalesce(stored.operation_count, 0))::bigint as operation_count,
    least(new_totals.first_day, stored.first_day) as first_day,
    greatest(new_totals.last_day, stored.last_day) as last_day,
    greatest(new_totals.loaded_at, stored.loaded_at) as loaded_at
    {%- else -%}
    new_totals.volume_minor::bigint as volume_minor,
    new_totals.operation_count::bigint as operation_count,
    new_totals.first_day,
    new_totals.last_day,
    new_totals.loaded_at
    {%- endif %}
from new_totals
{% if is_incremental() -%}
left join {{ this }} as stored
    on stored.merchant_id = new_totals.merchant_id
    and stored.currency = new_totals.currency
    and stored.channel = new_totals.channel
    and stored.direction = new_totals.direction
    and stored.month_start = new_totals.month_start
{%- endif %}
