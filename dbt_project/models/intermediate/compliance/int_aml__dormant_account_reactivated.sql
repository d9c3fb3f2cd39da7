{#- Rule 7: a merchant with no ledger operation for at least `aml_dormancy_days` days moves at
    least `aml_dormant_min_amount_minor` (in and out together) on the day it wakes up. A merchant
    with no operation before counts as quiet since it was registered.
    Reads the daily totals (int_compliance__merchant_days) of the scanned days: the active day
    before the first of them is one look-up per merchant in their index, and the operations of a
    day are looked up only for the days that alert. -#}
with active_days as (
    select
        merchant_id,
        currency,
        business_date,
        moved_minor,
        operation_count,
        lag(business_date) over (
            partition by merchant_id, currency order by business_date
        ) as previous_scanned_date
    from {{ ref('int_compliance__merchant_days') }}
    where business_date >= {{ aml_scan_start() }}
),

wake_ups as (
    select
        active_days.*,
        coalesce(
            active_days.previous_scanned_date,
            (
                select max(earlier.business_date)
                from {{ ref('int_compliance__merchant_days') }} as earlier
                where earlier.merchant_id = active_days.merchant_id
                  and earlier.currency = active_days.currency
                  and earlier.business_date < active_days.business_date
            ),
            {{ business_date('merchants.created_at', 'merchants.timezone') }}
        ) as quiet_since
    from active_days
    inner join {{ ref('stg_ledger__merchants') }} as merchants using (merchant_id)
)

select
    'dormant_account_reactivated' as rule_code,
    merchant_id || ':' || business_date as alert_key,
    merchant_id,
    business_date as window_start,
    business_date as window_end,
    operation_count::integer as operation_count,
    moved_minor::bigint as amount_minor,
    currency,
    {{ aml_ledger_operation_ids('wake_ups', 'business_date', 'business_date') }}
        as triggering_operation_ids,
    format('%s movimentados após %s dias sem operações',
        {{ brl('moved_minor') }}, business_date - quiet_since) as detail
from wake_ups
where business_date - quiet_since >= {{ var('aml_dormancy_days') | int }}
  and moved_minor >= {{ var('aml_dormant_min_amount_minor') | int }}
