{#- Rule 5: most of a day's inflow leaves within `aml_pass_through_days` days to counterparties
    other than the ones it came from. Read from the bank's lines, the only source with
    counterparties; an outflow whose counterparty is unknown counts as unrelated. -#}
with operations as ({{ aml_operations(aml_scan_start()) }}),

bank as (
    select * from operations where source = 'bank'
),

inflow_days as (
    select
        merchant_id,
        currency,
        business_date,
        sum(amount_minor) as inflow_minor,
        array_agg(operation_id order by operation_id) as inflow_ids,
        coalesce(
            array_agg(distinct counterparty_document_token)
                filter (where counterparty_document_token is not null),
            array[]::text[]
        ) as payers
    from bank
    where direction = 'in'
    group by merchant_id, currency, business_date
    having sum(amount_minor) >= {{ var('aml_pass_through_min_inflow_minor') | int }}
),

onward as (
    select
        inflow_days.merchant_id,
        inflow_days.currency,
        inflow_days.business_date,
        max(outflows.business_date) as last_outflow_date,
        sum(outflows.amount_minor) as outflow_minor,
        array_agg(outflows.operation_id order by outflows.operation_id) as outflow_ids
    from inflow_days
    inner join bank as outflows
        on outflows.merchant_id = inflow_days.merchant_id
        and outflows.currency = inflow_days.currency
        and outflows.direction = 'out'
        and outflows.business_date between inflow_days.business_date
            and inflow_days.business_date + {{ var('aml_pass_through_days') | int }}
        and (
            outflows.counterparty_document_token is null
            or not outflows.counterparty_document_token = any(inflow_days.payers)
        )
    group by inflow_days.merchant_id, inflow_days.currency, inflow_days.business_date
)

select
    'pass_through' as rule_code,
    inflow_days.merchant_id || ':' || inflow_days.business_date as alert_key,
    inflow_days.merchant_id,
    inflow_days.business_date as window_start,
    onward.last_outflow_date as window_end,
    cardinality(inflow_days.inflow_ids) + cardinality(onward.outflow_ids) as operation_count,
    inflow_days.inflow_minor::bigint as amount_minor,
    inflow_days.currency,
    inflow_days.inflow_ids || onward.outflow_ids as triggering_operation_ids,
    format('%s dos %s recebidos saíram em até %s dias para outras contrapartes',
        {{ brl('onward.outflow_minor') }}, {{ brl('inflow_days.inflow_minor') }},
        {{ var('aml_pass_through_days') | int }})
        as detail
from inflow_days
inner join onward using (merchant_id, currency, business_date)
where onward.outflow_minor >= {{ var('aml_pass_through_min_share') | float }} * inflow_days.inflow_minor
