-- Every day's closing balance is its opening plus credits minus debits.
select merchant_id, business_date, opening_balance_minor, credits_minor, debits_minor,
       closing_balance_minor
from {{ ref('fct_daily_cash_flow') }}
where closing_balance_minor <> opening_balance_minor + credits_minor - debits_minor
   or net_minor <> credits_minor - debits_minor
