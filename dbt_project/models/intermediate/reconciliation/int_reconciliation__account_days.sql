{#- Per bank account, each business day with an item of fct_bank_reconciliation on either side:
    what the ledger and the bank booked that day, the exceptions' effect on the difference, the
    items counted on it, and the running sums to that day (ledger closing, the bank lines to date,
    the explained difference). fct_daily_reconciliation spreads these over every calendar day and
    adds the bank's stated balance.

    Incremental: a run sums again each changed account from its earliest changed day
    (int_reconciliation__changed_accounts) on, starting from the running sums of its last day
    before it; the pre-hook deletes the account's days from there, since a day may have lost all
    its items. Rebuilding the whole account history each run read every item of the mart (5.5
    million at the 10M bench). -#}
-- depends_on: {{ ref('int_reconciliation__changed_accounts') }}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook=(
            "{% if is_incremental() %}delete from {{ this }} as stored using "
            ~ "{{ ref('int_reconciliation__changed_accounts') }} as changes "
            ~ "where stored.bank_source = changes.bank_source "
            ~ "and stored.bank_account_id = changes.bank_account_id "
            ~ "and stored.business_date >= changes.changed_from{% endif %}"
        ),
        indexes=[
            {'columns': ['bank_source', 'bank_account_id', 'business_date'], 'unique': true},
            {'columns': ['reconciled_at']},
        ],
    )
}}

with
{% if is_incremental() -%}
changes as (
    select * from {{ ref('int_reconciliation__changed_accounts') }}
),

{#- A changed account's items with a side on or after its changed day: an item's business_date
    is its ledger date when it has one, and its bank date is at most the window's calendar days
    from it. -#}
items as (
    select items.*, changes.changed_from
    from {{ ref('fct_bank_reconciliation') }} as items
    inner join changes
        on changes.bank_source = items.bank_source
        and changes.bank_account_id = items.bank_account_id
        and items.business_date
            >= changes.changed_from - {{ reconciliation_window_calendar_days() }}
),

{#- The running sums of each changed account's last day before its changed day: one step back
    in the unique index per account. -#}
carried as (
    select changes.bank_source, changes.bank_account_id, last_day.*
    from changes
    cross join lateral (
        select
            stored.ledger_closing_balance_minor,
            stored.bank_lines_to_date_minor,
            stored.explained_difference_minor
        from {{ this }} as stored
        where stored.bank_source = changes.bank_source
          and stored.bank_account_id = changes.bank_account_id
          and stored.business_date < changes.changed_from
        order by stored.business_date desc
        limit 1
    ) as last_day
),
{%- else -%}
items as (
    select *, '-infinity'::date as changed_from
    from {{ ref('fct_bank_reconciliation') }}
    where bank_account_id is not null
),
{%- endif %}

{#- Each item's sides on the dates they count on: what the ledger and the bank booked, what of it
    is an exception, and the item itself counted on its business date. -#}
item_sides as (
    select
        bank_source, bank_account_id, merchant_id, currency, reconciled_at,
        ledger_business_date as business_date,
        ledger_amount_minor as ledger_net_minor,
        case when status <> 'matched' then ledger_amount_minor end as ledger_exceptions_minor,
        null::bigint as bank_net_minor,
        null::bigint as bank_exceptions_minor,
        0 as matched_item_count,
        0 as exception_item_count
    from items
    where ledger_business_date >= changed_from
    union all
    select
        bank_source, bank_account_id, merchant_id, currency, reconciled_at,
        bank_business_date,
        null,
        null,
        bank_amount_minor,
        case when status <> 'matched' then bank_amount_minor end,
        0,
        0
    from items
    where bank_business_date >= changed_from
    union all
    select
        bank_source, bank_account_id, merchant_id, currency, reconciled_at,
        business_date,
        null,
        null,
        null,
        null,
        case when status = 'matched' then 1 else 0 end,
        case when status <> 'matched' then 1 else 0 end
    from items
    where business_date >= changed_from
),

active_days as (
    select
        bank_source,
        bank_account_id,
        business_date,
        max(merchant_id) as merchant_id,
        max(currency) as currency,
        coalesce(sum(ledger_net_minor), 0) as ledger_net_minor,
        coalesce(sum(bank_net_minor), 0) as bank_net_minor,
        coalesce(sum(bank_exceptions_minor), 0) - coalesce(sum(ledger_exceptions_minor), 0)
            as explained_change_minor,
        sum(matched_item_count) as matched_item_count,
        sum(exception_item_count) as exception_item_count,
        max(reconciled_at) as reconciled_at
    from item_sides
    group by bank_source, bank_account_id, business_date
)

select
    active_days.bank_source,
    active_days.bank_account_id,
    active_days.business_date,
    active_days.merchant_id,
    active_days.currency,
    active_days.ledger_net_minor::bigint as ledger_net_minor,
    active_days.bank_net_minor::bigint as bank_net_minor,
    active_days.explained_change_minor::bigint as explained_change_minor,
    active_days.matched_item_count::integer as matched_item_count,
    active_days.exception_item_count::integer as exception_item_count,
    {%- for running_sum, daily in [
        ('ledger_closing_balance_minor', 'ledger_net_minor'),
        ('bank_lines_to_date_minor', 'bank_net_minor'),
        ('explained_difference_minor', 'explained_change_minor'),
    ] %}
    ({% if is_incremental() %}coalesce(carried.{{ running_sum }}, 0) + {% endif -%}
        sum(active_days.{{ daily }}) over account_to_date)::bigint as {{ running_sum }},
    {%- endfor %}
    active_days.reconciled_at
from active_days
{% if is_incremental() -%}
left join carried
    on carried.bank_source = active_days.bank_source
    and carried.bank_account_id = active_days.bank_account_id
{%- endif %}
window account_to_date as (
    partition by active_days.bank_source, active_days.bank_account_id
    order by active_days.business_date
    rows between unbounded preceding and current row
)
