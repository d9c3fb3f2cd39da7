{#- Rule 10: a merchant's bank operations with a politically exposed person (in office, or within
    five years of leaving it), at least `aml_pep_min_amount_minor` each; one alert per merchant,
    person and month. -#}
with operations as ({{ aml_operations(aml_scan_start()) }}),

with_peps as (
    select
        operations.*,
        peps.pep_name,
        peps.pep_role
    from operations
    inner join {{ ref('stg_kyc__pep_register') }} as peps
        on peps.document_token = operations.counterparty_document_token
        and operations.business_date >= peps.mandate_start
        and operations.business_date <= coalesce(peps.pep_until, date '9999-12-31')
    where operations.source = 'bank'
      and operations.amount_minor >= {{ var('aml_pep_min_amount_minor') | int }}
)

select
    'pep_counterparty' as rule_code,
    merchant_id || ':' || counterparty_document_token || ':'
        || date_trunc('month', business_date)::date as alert_key,
    merchant_id,
    min(business_date) as window_start,
    max(business_date) as window_end,
    count(*)::integer as operation_count,
    sum(amount_minor)::bigint as amount_minor,
    currency,
    array_agg(operation_id order by operation_id) as triggering_operation_ids,
    format('%s operações com %s (%s)', count(*), min(pep_name), min(pep_role)) as detail
from with_peps
group by merchant_id, counterparty_document_token, currency,
    date_trunc('month', business_date)
