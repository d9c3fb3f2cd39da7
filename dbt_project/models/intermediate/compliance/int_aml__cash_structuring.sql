{#- Rule 2: cash operations each below the reporting threshold that together reach it within
    `aml_structuring_business_days` business days (same merchant, same direction). The alert is
    raised on the day whose operations make the window cross the threshold, so a long episode is
    one alert, and it keeps its id on every later run. -#}
{%- set threshold = var('aml_cash_reporting_threshold_minor') | int -%}
{%- set span = var('aml_structuring_business_days') | int -%}
with operations as ({{ aml_operations(aml_history_start()) }}),

cash_days as (
    select
        merchant_id,
        direction,
        currency,
        business_date,
        {{ business_day_number('business_date') }} as business_day,
        sum(amount_minor) as amount_minor,
        count(*) as operation_count,
        array_agg(operation_id order by occurred_at, operation_id) as operation_ids
    from operations
    where source = 'ledger'
      and channel = 'cash'
      and amount_minor < {{ threshold }}
    group by merchant_id, direction, currency, business_date
),

windows as (
    select
        today.merchant_id,
        today.direction,
        today.currency,
        today.business_date,
        today.amount_minor as day_amount_minor,
        min(earlier.business_date) as window_start,
        sum(earlier.amount_minor) as amount_minor,
        sum(earlier.operation_count) as operation_count,
        array_agg(earlier.business_date) as days
    from cash_days as today
    inner join cash_days as earlier
        on earlier.merchant_id = today.merchant_id
        and earlier.direction = today.direction
        and earlier.currency = today.currency
        and earlier.business_day between today.business_day - {{ span - 1 }} and today.business_day
        and earlier.business_date <= today.business_date
    group by today.merchant_id, today.direction, today.currency, today.business_date,
        today.amount_minor
)

select
    'cash_structuring' as rule_code,
    windows.merchant_id || ':' || windows.direction || ':' || windows.business_date as alert_key,
    windows.merchant_id,
    windows.window_start,
    windows.business_date as window_end,
    windows.operation_count::integer as operation_count,
    windows.amount_minor::bigint as amount_minor,
    windows.currency,
    (
        select array_agg(operation_id order by operation_id)
        from cash_days, unnest(cash_days.operation_ids) as operation_id
        where cash_days.merchant_id = windows.merchant_id
          and cash_days.direction = windows.direction
          and cash_days.currency = windows.currency
          and cash_days.business_date = any(windows.days)
    ) as triggering_operation_ids,
    format('%s cash operations %s, each below %s, sum %s centavos in %s business days',
        windows.operation_count, windows.direction, {{ threshold }}, windows.amount_minor,
        {{ span }}) as detail
from windows
where windows.amount_minor >= {{ threshold }}
  and windows.amount_minor - windows.day_amount_minor < {{ threshold }}
  and windows.operation_count >= {{ var('aml_structuring_min_operations') | int }}
  and windows.business_date >= {{ aml_scan_start() }}
