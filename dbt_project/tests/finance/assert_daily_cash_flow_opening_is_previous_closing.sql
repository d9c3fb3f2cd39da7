-- Each day opens at the previous day's closing, the first day at zero, and no day is missing.
with days as (
    select
        account_id,
        business_date,
        opening_balance_minor,
        lag(closing_balance_minor) over by_day as previous_closing_minor,
        lag(business_date) over by_day as previous_date
    from {{ ref('fct_daily_cash_flow') }}
    window by_day as (partition by account_id order by business_date)
)

select *
from days
where opening_balance_minor <> coalesce(previous_closing_minor, 0)
   or (previous_date is not null and business_date <> previous_date + 1)
