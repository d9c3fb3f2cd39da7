{#- Rule 3: several cash withdrawals on one business day (at least
    `aml_cash_withdrawals_per_day`), or many cash deposits within `aml_structuring_business_days`
    business days (at least `aml_cash_deposits_per_window`; raised on the day the count is
    reached, as in rule 2). -#}
{%- set span = var('aml_structuring_business_days') | int -%}
{%- set deposits_needed = var('aml_cash_deposits_per_window') | int -%}
with operations as (
    {{ aml_operations(aml_window_start(aml_business_window_calendar_days(span))) }}
),

cash_days as ({{ aml_cash_days() }}),

withdrawal_days as (
    select
        merchant_id || ':out:' || business_date as alert_key,
        merchant_id,
        business_date as window_start,
        business_date as window_end,
        operation_count::integer as operation_count,
        amount_minor::bigint as amount_minor,
        currency,
        {{ aml_cash_operation_ids('cash_days', first_day='business_date') }}
            as triggering_operation_ids,
        format('%s saques em espécie no mesmo dia', operation_count) as detail
    from cash_days
    where direction = 'out'
      and operation_count >= {{ var('aml_cash_withdrawals_per_day') | int }}
      and business_date >= {{ aml_scan_start() }}
),

deposit_windows as (
    select * from ({{ aml_cash_windows(span) }}) as windows where direction = 'in'
),

deposit_bursts as (
    select
        windows.merchant_id || ':in:' || windows.business_date as alert_key,
        windows.merchant_id,
        windows.window_start,
        windows.business_date as window_end,
        windows.operation_count::integer as operation_count,
        windows.amount_minor::bigint as amount_minor,
        windows.currency,
        {{ aml_cash_operation_ids('windows') }} as triggering_operation_ids,
        format('%s depósitos em espécie em %s dias úteis', windows.operation_count, {{ span }})
            as detail
    from deposit_windows as windows
    where windows.operation_count >= {{ deposits_needed }}
      and windows.operation_count - windows.day_operation_count < {{ deposits_needed }}
      and windows.business_date >= {{ aml_scan_start() }}
)

select 'cash_frequency' as rule_code, * from withdrawal_days
union all
select 'cash_frequency' as rule_code, * from deposit_bursts
