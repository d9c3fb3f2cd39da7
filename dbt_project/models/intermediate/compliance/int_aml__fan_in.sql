{#- Rule 8: credits of at least `aml_fan_in_min_amount_minor` each from at least
    `aml_fan_in_min_counterparties` distinct counterparties within `aml_fan_in_window_days` days.
    Small tickets (a shop's Pix sales) are left out by the amount floor. Raised on the day the
    count is reached; read from the bank's lines, which carry counterparties. -#}
{%- set window_days = var('aml_fan_in_window_days') | int -%}
{%- set needed = var('aml_fan_in_min_counterparties') | int -%}
with operations as ({{ aml_operations(aml_window_start(window_days - 1)) }}),

payments as (
    select *
    from operations
    where source = 'bank'
      and direction = 'in'
      and counterparty_document_token is not null
      and amount_minor >= {{ var('aml_fan_in_min_amount_minor') | int }}
),

payment_days as (
    select distinct merchant_id, currency, business_date from payments
),

windows as (
    select
        days.merchant_id,
        days.currency,
        days.business_date,
        min(payments.business_date) as window_start,
        count(distinct payments.counterparty_document_token) as counterparties,
        count(distinct payments.counterparty_document_token)
            filter (where payments.business_date < days.business_date) as counterparties_before,
        count(*) as operation_count,
        sum(payments.amount_minor) as amount_minor,
        array_agg(payments.operation_id order by payments.operation_id) as operation_ids
    from payment_days as days
    inner join payments
        on payments.merchant_id = days.merchant_id
        and payments.currency = days.currency
        and payments.business_date between days.business_date - {{ window_days - 1 }}
            and days.business_date
    group by days.merchant_id, days.currency, days.business_date
)

select
    'fan_in' as rule_code,
    merchant_id || ':' || business_date as alert_key,
    merchant_id,
    window_start,
    business_date as window_end,
    operation_count::integer as operation_count,
    amount_minor::bigint as amount_minor,
    currency,
    operation_ids as triggering_operation_ids,
    format('créditos de %s contrapartes distintas em %s dias', counterparties, {{ window_days }})
        as detail
from windows
where counterparties >= {{ needed }}
  and counterparties_before < {{ needed }}
  and business_date >= {{ aml_scan_start() }}
