{#- Rule 13: a merchant that declared at onboarding it runs on cards receives, in a month, at
    least `aml_card_business_cash_share` of its ledger credits in cash, and at least
    `aml_card_business_min_cash_minor`.
    Reads the monthly totals, and the operations behind them only for the months that alert. -#}
with monthly_credits as ({{ aml_monthly_credits() }})

select
    'cash_heavy_card_business' as rule_code,
    credits.merchant_id || ':' || credits.month_start as alert_key,
    credits.merchant_id,
    credits.first_cash_day as window_start,
    credits.last_cash_day as window_end,
    credits.cash_operations::integer as operation_count,
    credits.cash_minor::bigint as amount_minor,
    credits.currency,
    {{ aml_ledger_operation_ids('credits', 'first_cash_day', 'last_cash_day',
        "operations.direction = 'in' and operations.channel = 'cash'") }}
        as triggering_operation_ids,
    format('%s%% dos créditos de %s em espécie (%s), num negócio declarado como de cartão',
        round(100.0 * credits.cash_minor / credits.credits_minor),
        {{ month_br('credits.month_start') }}, {{ brl('credits.cash_minor') }}) as detail
from monthly_credits as credits
inner join {{ ref('stg_onboarding__customers') }} as customers
    on customers.customer_id = credits.merchant_id
where customers.expected_payment_mix = 'card'
  and credits.cash_minor >= {{ var('aml_card_business_min_cash_minor') | int }}
  and credits.cash_minor >= {{ var('aml_card_business_cash_share') | float }} * credits.credits_minor
