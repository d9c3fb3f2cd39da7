{#- Rule 4: a ledger operation of a round amount (a multiple of `aml_round_amount_unit_minor`, at
    least `aml_round_amount_min_minor`), or a cash operation just below the reporting threshold
    (within `aml_just_below_ratio` of it). Fees, taxes and payroll are left out: their amounts
    are set by others. -#}
{%- set threshold = var('aml_cash_reporting_threshold_minor') | int -%}
{%- set just_below_floor = (threshold * (1 - var('aml_just_below_ratio') | float)) | round | int -%}
with operations as ({{ aml_operations(aml_scan_start()) }}),

flagged as (
    select
        *,
        case
            when channel = 'cash'
                 and amount_minor >= {{ just_below_floor }}
                 and amount_minor < {{ threshold }} then 'logo abaixo do limite de comunicação em espécie'
            when amount_minor >= {{ var('aml_round_amount_min_minor') | int }}
                 and amount_minor % {{ var('aml_round_amount_unit_minor') | int }} = 0
                then 'valor redondo'
        end as reason
    from operations
    where source = 'ledger'
      and channel not in ('fee', 'tax', 'payroll')
)

select
    'round_or_just_below_limit' as rule_code,
    operation_id as alert_key,
    merchant_id,
    business_date as window_start,
    business_date as window_end,
    1 as operation_count,
    amount_minor,
    currency,
    array[operation_id] as triggering_operation_ids,
    format('%s: %s (%s) de %s', reason, {{ channel_br('channel') }},
        {{ direction_br('direction') }}, {{ brl('amount_minor') }}) as detail
from flagged
where reason is not null
