{#- Rule 9: in a month, one channel's share of the merchant's ledger volume rises by at least
    `aml_mix_shift_min_share` over its share in the three months before, moving at least
    `aml_mix_shift_min_amount_minor`. Needs three months of history with operations. -#}
with operations as ({{ aml_operations(aml_history_start()) }}),

channel_months as (
    select
        merchant_id,
        currency,
        channel,
        date_trunc('month', business_date)::date as month_start,
        sum(amount_minor) as volume_minor,
        count(*) as operation_count,
        min(business_date) as first_day,
        max(business_date) as last_day,
        array_agg(operation_id order by operation_id) as operation_ids
    from operations
    where source = 'ledger'
    group by merchant_id, currency, channel, date_trunc('month', business_date)
),

months as (
    select merchant_id, currency, month_start, sum(volume_minor) as volume_minor
    from channel_months
    group by merchant_id, currency, month_start
),

baselines as (
    select
        current_month.merchant_id,
        current_month.currency,
        current_month.month_start,
        count(*) as baseline_months,
        sum(previous.volume_minor) as volume_minor
    from months as current_month
    inner join months as previous
        on previous.merchant_id = current_month.merchant_id
        and previous.currency = current_month.currency
        and previous.month_start >= (current_month.month_start - interval '3 months')::date
        and previous.month_start < current_month.month_start
    group by current_month.merchant_id, current_month.currency, current_month.month_start
),

shifts as (
    select
        channels.*,
        channels.volume_minor::numeric / months.volume_minor as share,
        coalesce(
            (
                select sum(earlier.volume_minor)
                from channel_months as earlier
                where earlier.merchant_id = channels.merchant_id
                  and earlier.currency = channels.currency
                  and earlier.channel = channels.channel
                  and earlier.month_start >= (channels.month_start - interval '3 months')::date
                  and earlier.month_start < channels.month_start
            ), 0
        )::numeric / baselines.volume_minor as baseline_share
    from channel_months as channels
    inner join months using (merchant_id, currency, month_start)
    inner join baselines using (merchant_id, currency, month_start)
    where baselines.baseline_months = 3
      and baselines.volume_minor > 0
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
    operation_ids as triggering_operation_ids,
    format('%s went from %s%% to %s%% of the volume in %s', channel,
        round(100 * baseline_share), round(100 * share), to_char(month_start, 'YYYY-MM'))
        as detail
from shifts
where share - baseline_share >= {{ var('aml_mix_shift_min_share') | float }}
  and volume_minor >= {{ var('aml_mix_shift_min_amount_minor') | int }}
  and month_start >= date_trunc('month', {{ aml_scan_start() }})::date
