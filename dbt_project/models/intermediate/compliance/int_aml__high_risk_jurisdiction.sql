{#- Rule 11: an operation whose counterparty is in a jurisdiction on the FATF lists (the
    high_risk_jurisdictions seed). The country comes from the counterparty a ledger transfer
    names (see int_compliance__operations); Open Finance lines carry none. -#}
with operations as ({{ aml_operations(aml_scan_start()) }})

select
    'high_risk_jurisdiction' as rule_code,
    operations.operation_id as alert_key,
    operations.merchant_id,
    operations.business_date as window_start,
    operations.business_date as window_end,
    1 as operation_count,
    operations.amount_minor,
    operations.currency,
    array[operations.operation_id] as triggering_operation_ids,
    format('%s (%s) de %s com contraparte em %s (%s)', {{ channel_br('operations.channel') }},
        {{ direction_br('operations.direction') }}, {{ brl('operations.amount_minor') }},
        jurisdictions.country_name,
        case jurisdictions.fatf_list
            when 'call_for_action' then 'lista de ação do GAFI'
            when 'increased_monitoring' then 'lista de monitoramento reforçado do GAFI'
            else jurisdictions.fatf_list
        end) as detail
from operations
inner join {{ ref('high_risk_jurisdictions') }} as jurisdictions
    on jurisdictions.country_code = operations.counterparty_country
