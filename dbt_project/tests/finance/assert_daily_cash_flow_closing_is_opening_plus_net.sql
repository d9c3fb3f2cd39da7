-- Every day's closing balance is its opening plus its net change, and the net change is the
-- credits minus the debits on a credit-normal account (the reverse on a debit-normal one).
select account_id, business_date, normal_side, opening_balance_minor, credits_minor,
       debits_minor, net_minor, closing_balance_minor
from {{ ref('fct_daily_cash_flow') }}
where closing_balance_minor <> opening_balance_minor + net_minor
   or net_minor <> case when normal_side = 'credit' then credits_minor - debits_minor
                        else debits_minor - credits_minor end
