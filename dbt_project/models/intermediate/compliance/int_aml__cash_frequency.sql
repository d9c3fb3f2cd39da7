{#- Rule 3: several cash withdrawals on one business day (at least
    `aml_cash_withdrawals_per_day`), or many cash deposits within `aml_structuring_business_days`
    business days (at least `aml_cash_deposits_per_window`; raised on the day the count is
    reached, as in rule 2). -#}
{%- set span = var('aml_structuring_business_days') | int -%}
{%- set deposits_needed = var('aml_cash_deposits_per_window') | int -%}
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
    group by merchant_id, direction, currency, business_date
),

withdrawal_days as (
    select
        merchant_id || ':out:' || business_date as alert_key,
        merchant_id,
        business_date as window_start,
        business_date as window_end,
        operation_count::integer as operation_count,
        amount_minor::bigint as amount_minor,
        currency,
        operation_ids as triggering_operation_ids,
        format('%s cash withdrawals on one day', operation_count) as detail
    from cash_days
    where direction = 'out'
      and operation_count >= {{ var('aml_cash_withdrawals_per_day') | int }}
      and business_date >= {{ aml_scan_start() }}
),

deposit_windows as (
    select
        today.merchant_id,
        today.currency,
        today.business_date,
        today.operation_count as day_count,
        min(earlier.business_date) as window_start,
        sum(earlier.operation_count) as operation_count,
        sum(earlier.amount_minor) as amount_minor,
        array_agg(earlier.business_date) as days
    from cash_days as today
    inner join cash_days as earlier
        on earlier.merchant_id = today.merchant_id
        and earlier.currency = today.currency
        and earlier.direction = 'in'
        and earlier.business_day between today.business_day - {{ span - 1 }} and today.business_day
        and earlier.business_date <= today.business_date
    where today.direction = 'in'
    group by today.merchant_id, today.currency, today.business_date, today.operation_count
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
        (
            select array_agg(operation_id order by operation_id)
            from cash_days, unnest(cash_days.operation_ids) as operation_id
            where cash_days.merchant_id = windows.merchant_id
              and cash_days.direction = 'in'
              and cash_days.currency = windows.currency
              and cash_days.business_date = any(windows.days)
        ) as triggering_operation_ids,
        format('%s cash deposits in %s business days', windows.operation_count, {{ span }})
            as detail
    from deposit_windows as windows
    where windows.operation_count >= {{ deposits_needed }}
      and windows.operation_count - windows.day_count < {{ deposits_needed }}
      and windows.business_date >= {{ aml_scan_start() }}
)

select 'cash_frequency' as rule_code, * from withdrawal_days
union all
select 'cash_frequency' as rule_code, * from deposit_bursts
