{#- Rule 2: cash operations each below the reporting threshold that together reach it within
    `aml_structuring_business_days` business days (same merchant, same direction). The alert is
    raised on the day whose operations make the window cross the threshold, so a long episode is
    one alert, and it keeps its id on every later run. -#}
{%- set threshold = var('aml_cash_reporting_threshold_minor') | int -%}
{%- set span = var('aml_structuring_business_days') | int -%}
with operations as (
    {{ aml_operations(aml_window_start(aml_business_window_calendar_days(span))) }}
),

cash_days as ({{ aml_cash_days(amount_below=threshold) }}),

windows as ({{ aml_cash_windows(span) }})

select
    'cash_structuring' as rule_code,
    windows.merchant_id || ':' || windows.direction || ':' || windows.business_date as alert_key,
    windows.merchant_id,
    windows.window_start,
    windows.business_date as window_end,
    windows.operation_count::integer as operation_count,
    windows.amount_minor::bigint as amount_minor,
    windows.currency,
    {{ aml_cash_operation_ids('windows', amount_below=threshold) }} as triggering_operation_ids,
    format('%s %s em espécie, cada um abaixo de %s, somando %s em %s dias úteis',
        windows.operation_count,
        case windows.direction when 'in' then 'depósitos' else 'saques' end,
        {{ brl(threshold) }}, {{ brl('windows.amount_minor') }}, {{ span }}) as detail
from windows
where windows.amount_minor >= {{ threshold }}
  and windows.amount_minor - windows.day_amount_minor < {{ threshold }}
  and windows.operation_count >= {{ var('aml_structuring_min_operations') | int }}
  and windows.business_date >= {{ aml_scan_start() }}
