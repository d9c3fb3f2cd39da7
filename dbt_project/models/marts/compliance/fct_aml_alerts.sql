{#- One row per AML alert: every rule of DOMAIN.md's AML section (int_aml__* models), with its
    severity and regulatory reference from the aml_rules seed. The alert id is a hash of the rule
    and what the rule keys the alert by (an operation, a merchant-day, a merchant-month), so a
    re-run updates an alert rather than adding another. Incremental: the rules read only recent
    operations (aml_scan_days), and alerts raised before stay; an alert keeps the moment it was
    first detected. -#}
{{ config(
    materialized='incremental',
    unique_key='alert_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

{%- set rule_models = [
    'int_aml__cash_at_reporting_threshold',
    'int_aml__cash_structuring',
    'int_aml__cash_frequency',
    'int_aml__round_or_just_below_limit',
    'int_aml__pass_through',
    'int_aml__turnover_above_declared',
    'int_aml__dormant_account_reactivated',
    'int_aml__fan_in',
    'int_aml__behaviour_change',
    'int_aml__pep_counterparty',
    'int_aml__high_risk_jurisdiction',
    'int_aml__kyc_inconsistency',
    'int_aml__cash_heavy_card_business',
] %}

with raised as (
    {% for rule_model in rule_models %}
    select
        rule_code, alert_key, merchant_id, window_start, window_end, operation_count,
        amount_minor, currency, triggering_operation_ids, detail
    from {{ ref(rule_model) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

alerts as (
    select
        md5(raised.rule_code || ':' || raised.alert_key) as alert_id,
        raised.*,
        rules.rule_number,
        rules.title as rule_title,
        rules.severity,
        rules.regulatory_reference
    from raised
    inner join {{ ref('aml_rules') }} as rules using (rule_code)
),

detected as (
    select
        alerts.*,
        {% if is_incremental() -%}
        coalesce(known.first_detected_at, current_timestamp) as first_detected_at
        {%- else -%}
        current_timestamp as first_detected_at
        {%- endif %}
    from alerts
    {% if is_incremental() -%}
    left join {{ this }} as known using (alert_id)
    {%- endif %}
)

select
    alert_id::text as alert_id,
    rule_code::text as rule_code,
    rule_number::integer as rule_number,
    rule_title::text as rule_title,
    severity::text as severity,
    regulatory_reference::text as regulatory_reference,
    merchant_id::text as merchant_id,
    window_start::date as window_start,
    window_end::date as window_end,
    operation_count::integer as operation_count,
    amount_minor::bigint as amount_minor,
    currency::text as currency,
    triggering_operation_ids::text[] as triggering_operation_ids,
    detail::text as detail,
    first_detected_at::timestamptz as first_detected_at,
    current_timestamp::timestamptz as last_evaluated_at,
    (window_end + {{ var('aml_selection_deadline_days') | int }})::date as selection_deadline,
    ({{ business_date('first_detected_at', "'America/Sao_Paulo'") }}
        + {{ var('aml_analysis_deadline_days') | int }})::date as analysis_deadline
from detected
