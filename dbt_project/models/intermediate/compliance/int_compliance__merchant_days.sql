{#- Ledger volume (in and out together) and operation count per merchant, currency and business
    day: the active days rule 7 (int_aml__dormant_account_reactivated) finds a wake-up among.

    Incremental and additive, as int_compliance__channel_months: a run adds the ledger operations
    loaded since the newest one counted here to their day's totals, so the rule reads one row per
    merchant and day instead of every operation of the scanned days. -#}
{{
    config(
        materialized='incremental',
        unique_key=['merchant_id', 'currency', 'business_date'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[
            {'columns': ['merchant_id', 'currency', 'business_date'], 'unique': true},
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

select
    new_totals.merchant_id,
    new_totals.currency,
    new_totals.business_date,
    {% if is_incremental() -%}
    (new_totals.moved_minor + coalesce(stored.moved_minor, 0))::bigint as moved_minor,
    (new_totals.operation_count + coalesce(stored.operation_count, 0))::bigint as operation_count,
    greatest(new_totals.loaded_at, stored.loaded_at) as loaded_at
    {%- else -%}
    new_totals.moved_minor::bigint as moved_minor,
    new_totals.operation_count::bigint as operation_count,
    new_totals.loaded_at
    {%- endif %}
from new_totals
{% if is_incremental() -%}
left join {{ this }} as stored
    on stored.merchant_id = new_totals.merchant_id
    and stored.currency = new_totals.currency
    and stored.business_date = new_totals.business_date
{%- endif %}
