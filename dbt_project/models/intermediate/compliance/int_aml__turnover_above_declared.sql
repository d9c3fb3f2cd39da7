{#- Rule 6: a month's credits in the ledger above `aml_turnover_multiple` times the revenue
    (company) or income (person) the customer declared at onboarding. The current month counts
    as soon as its credits so far exceed the limit.
    Reads the monthly totals, and the operations behind them only for the months that alert. -#}
with monthly_credits as ({{ aml_monthly_credits() }})

select
    'turnover_above_declared' as rule_code,
    credits.merchant_id || ':' || credits.month_start as alert_key,
    credits.merchant_id,
    credits.first_day as window_start,
    credits.last_day as window_end,
    credits.operation_count::integer as operation_count,
    credits.credits_minor::bigint as amount_minor,
    credits.currency,
    {{ aml_ledger_operation_ids('credits', 'first_day', 'last_day', "operations.direction = 'in'") }}
        as triggering_operation_ids,
    format('créditos de %s em %s, contra %s mensal declarado de %s',
        {{ brl('credits.credits_minor') }}, {{ month_br('credits.month_start') }},
        case when customers.person_type = 'PF' then 'rendimento' else 'faturamento' end,
        {{ brl('customers.declared_monthly_revenue_minor') }}) as detail
from monthly_credits as credits
inner join {{ ref('stg_onboarding__customers') }} as customers
    on customers.customer_id = credits.merchant_id
where customers.declared_monthly_revenue_minor > 0
  and credits.credits_minor
      > {{ var('aml_turnover_multiple') | float }} * customers.declared_monthly_revenue_minor
