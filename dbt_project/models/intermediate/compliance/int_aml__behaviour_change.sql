{#- Rule 9: in a month, one channel's share of the merchant's ledger volume rises by at least
    `aml_mix_shift_min_share` over its share in the three months before, moving at least
    `aml_mix_shift_min_amount_minor`. Needs three months of history with operations.
    Reads the monthly totals (int_compliance__channel_months, in and out together) of the scanned
    months and the three before them, and the operations themselves only for the months that
    raise an alert. -#}
with channel_months as (
    select
        merchant_id,
        currency,
        channel,
        month_start,
        sum(volume_minor) as volume_minor,
        sum(operation_count) as operation_count,
        min(first_day) as first_day,
        max(last_day) as last_day
    from {{ ref('int_compliance__channel_months') }}
    where month_start >= (date_trunc('month', {{ aml_scan_start() }}) - interval '3 months')::date
    group by merchant_id, currency, channel, month_start
),

-- The three months before each month come from window frames over the month starts rather than
-- joins or a subquery per row, which PostgreSQL ran as nested loops over every month.
channel_baselines as (
    select
        channel_months.*,
        coalesce(sum(volume_minor) over channel_before, 0) as baseline_volume_minor
    from channel_months
    window channel_before as (
        partition by merchant_id, currency, channel
        order by month_start
        range between interval '3 months' preceding and interval '1 day' preceding
    )
),

months as (
    select merchant_id, currency, month_start, sum(volume_minor) as volume_minor
    from channel_months
    group by merchant_id, currency, month_start
),

baselines as (
    select
        months.*,
        count(*) over months_before as baseline_months,
        sum(volume_minor) over months_before as baseline_volume_minor
    from months
    window months_before as (
        partition by merchant_id, currency
        order by month_start
        range between interval '3 months' preceding and interval '1 day' preceding
    )
),

shifts as (
    select
        channels.merchant_id,
        channels.currency,
        channels.channel,
        channels.month_start,
        channels.volume_minor,
        channels.operation_count,
        channels.first_day,
        channels.last_day,
        channels.volume_minor::numeric / baselines.volume_minor as share,
        channels.baseline_volume_minor::numeric / baselines.baseline_volume_minor
            as baseline_share
    from channel_baselines as channels
    inner join baselines using (merchant_id, currency, month_start)
    where baselines.baseline_months = 3
      and baselines.baseline_volume_minor > 0
)

select
    'behaviour_change' as rule_code,
    merchant_id || ':' || month_start || ':' || channel as alert_key,
    merchant_id,
    first_day as window_start,
    last_day as window_end,
    operation_count::integer as operation_count,
    volume_minor::bigint as amount_minor,
    currency,
    {{ aml_ledger_operation_ids('shifts', 'first_day', 'last_day',
        'operations.channel = shifts.channel') }} as triggering_operation_ids,
    format('%s passou de %s%% para %s%% do volume em %s', {{ channel_br('channel') }},
        round(100 * baseline_share), round(100 * share), {{ month_br('month_start') }})
        as detail
from shifts
where share - baseline_share >= {{ var('aml_mix_shift_min_share') | float }}
  and volume_minor >= {{ var('aml_mix_shift_min_amount_minor') | int }}
  and month_start >= date_trunc('month', {{ aml_scan_start() }})::date
