{#- Rule 1: each cash operation (deposit, withdrawal, cash-funded transfer) at or above the
    reporting threshold (R$ 50,000 by regulation), which must be communicated to COAF. -#}
with operations as ({{ aml_operations(aml_scan_start()) }})

select
    'cash_at_reporting_threshold' as rule_code,
    operation_id as alert_key,
    merchant_id,
    business_date as window_start,
    business_date as window_end,
    1 as operation_count,
    amount_minor,
    currency,
    array[operation_id] as triggering_operation_ids,
    format('%s em espécie de %s', case direction when 'in' then 'Depósito' else 'Saque' end,
        {{ brl('amount_minor') }}) as detail
from operations
where source = 'ledger'
  and channel = 'cash'
  and amount_minor >= {{ var('aml_cash_reporting_threshold_minor') | int }}
