{#- The ledger entries and bank lines whose match a run of fct_bank_reconciliation decides again,
    one row each, with the account and earliest date of the row that held each before.

    The matcher is greedy in one global order, but every decision involves a candidate pair
    (same merchant and currency, dates within the window), so the match of an item depends only
    on the items it is connected to through candidate pairs: its connected component. A run
    decides again the whole components of the items that are new or changed (loaded since the
    mart's newest ones), of the items dated in the backfill range, and of the current items that
    were candidates of a bank line's previous version (changed or gone). A registered bank
    account changes items too: its lines, which the mart holds with no merchant, now have one;
    and the entries of its merchant, whose first account (the one an unmatched entry is reported
    under) may now be it, are decided again when the account was registered after the mart's
    newest ledger load (see int_reconciliation__ledger_entries). Every other component is the
    one the last run saw, with the same result: so the incremental mart equals a full refresh. The components are walked with a recursive query from those seeds, each step an
    index probe into the intermediate tables; in practice a component spans a few days of one
    merchant.

    The mart it feeds is read as it stood before this run (by name: a ref would be a cycle). When
    it does not exist yet, or the run is a full refresh, every item is listed. -#}
{{ config(materialized='table', indexes=[
    {'columns': ['ledger_item_id']},
    {'columns': ['bank_line_id']},
]) }}
{%- set backfill_from = var('backfill_from', none) -%}
{%- set backfill_to = var('backfill_to', backfill_from) -%}
{%- set ledger_entries = ref('int_reconciliation__ledger_entries') -%}
{%- set bank_lines = ref('int_reconciliation__bank_lines') -%}
{%- set registered_accounts = ref('stg_onboarding__bank_accounts') -%}
{%- set stored = adapter.get_relation(
    database=target.database, schema='marts', identifier='fct_bank_reconciliation'
) if execute else none -%}

{% if stored is none or flags.FULL_REFRESH %}
select
    'ledger' as item_side,
    ledger_item_id,
    merchant_id,
    ledger_entry_id,
    null::text as bank_line_id,
    null::text as previous_bank_source,
    null::text as previous_bank_account_id,
    null::date as previous_business_date,
    current_timestamp as listed_at
from {{ ledger_entries }}
union all
select
    'bank', null, merchant_id, null, bank_line_id, null, null, null, current_timestamp
from {{ bank_lines }}
{% else %}
{#- What the mart has seen, as literals (macros/newest_loaded.sql): against a subquery's result
    PostgreSQL planned the replaced lines below as a plain subplan over every stored row. -#}
{%- set ledger_seen = newest_literal(stored, 'ledger_loaded_at') -%}
{%- set openfinance_seen = newest_literal(
    stored, 'bank_loaded_at', "bank_source = 'openfinance'"
) -%}
{%- set statement_file_seen = newest_literal(
    stored, 'bank_loaded_at', "bank_source = 'statement_file'"
) -%}
with recursive new_ledger_items as (
    select ledger_item_id
    from {{ ledger_entries }}
    where loaded_at > {{ ledger_seen }}
    {%- if backfill_from %}
    union
    select ledger_item_id
    from {{ ledger_entries }}
    where business_date between '{{ backfill_from }}'::date and '{{ backfill_to }}'::date
    {%- endif %}
    union
    select ledger_item_id
    from {{ ledger_entries }}
    where merchant_id in (
        select merchant_id from {{ registered_accounts }}
        where register_loaded_at > {{ ledger_seen }}
    )
),

new_bank_lines as (
    select bank_line_id
    from {{ bank_lines }}
    where bank_source = 'openfinance' and loaded_at > {{ openfinance_seen }}
    union
    select bank_line_id
    from {{ bank_lines }}
    where bank_source = 'statement_file' and loaded_at > {{ statement_file_seen }}
    {%- if backfill_from %}
    union
    select bank_line_id
    from {{ bank_lines }}
    where business_date between '{{ backfill_from }}'::date and '{{ backfill_to }}'::date
    {%- endif %}
    union
    select lines.bank_line_id
    from {{ stored }} as stored
    inner join {{ bank_lines }} as lines on lines.bank_line_id = stored.bank_line_id
    where stored.merchant_id is null
        and lines.merchant_id is not null
),

{#- The previous version of every stored bank line that changed or is gone: its candidates then
    may be matched otherwise now. Two selects rather than one with `in (...) or not exists`,
    which PostgreSQL can only run as a filter over every stored row. Only an Open Finance line
    can be gone: int_reconciliation__bank_lines replaces those whole each run but only merges
    statement lines, which keep their id when a later file lists them again. Looking for gone
    lines among the Open Finance ones alone (through the mart's bank_source index) spares a
    comparison of every stored line with every line each run: 0.85 s warm and 1.34 s cold at
    the 10M bench. #}
replaced_bank_lines as (
    select
        stored.bank_line_id,
        stored.merchant_id,
        stored.currency,
        stored.bank_amount_minor as signed_amount_minor,
        stored.bank_business_date as business_date,
        stored.bank_booked_at as booked_at,
        stored.bank_description as description
    from {{ stored }} as stored
    inner join new_bank_lines on new_bank_lines.bank_line_id = stored.bank_line_id
    union
    select
        stored.bank_line_id,
        stored.merchant_id,
        stored.currency,
        stored.bank_amount_minor,
        stored.bank_business_date,
        stored.bank_booked_at,
        stored.bank_description
    from {{ stored }} as stored
    where stored.bank_source = 'openfinance'
        and stored.bank_line_id is not null
        and not exists (
            select 1 from {{ bank_lines }} as lines
            where lines.bank_line_id = stored.bank_line_id
        )
),

seeds as (
    select 'ledger' as item_side, ledger_item_id as item_id from new_ledger_items
    union
    select 'bank', bank_line_id from new_bank_lines
    union
    select 'bank', bank_line_id from replaced_bank_lines
    union
    {#- Probed line by line through the entries' indexes, as the walk below does: joined as
        sets, PostgreSQL sorted every ledger entry by merchant and date for the few lines. #}
    select 'ledger', pairs.ledger_item_id
    from replaced_bank_lines as replaced
    cross join lateral (
        {{ reconciliation_candidate_pairs(ledger_entries, '(select replaced.*)') }}
    ) as pairs
),

{#- Each step adds the candidates of the items the previous step added (union: each item once). #}
component_items (item_side, item_id) as (
    select item_side, item_id from seeds
    union
    select candidates.item_side, candidates.item_id
    from component_items
    cross join lateral (
        select 'bank' as item_side, pairs.bank_line_id as item_id
        from (
            {{ reconciliation_candidate_pairs(
                '(select * from ' ~ ledger_entries ~ ' as entry where entry.ledger_item_id'
                ~ ' = component_items.item_id and component_items.item_side = \'ledger\')',
                bank_lines
            ) }}
        ) as pairs
        union all
        select 'ledger', pairs.ledger_item_id
        from (
            {{ reconciliation_candidate_pairs(
                ledger_entries,
                '(select * from ' ~ bank_lines ~ ' as line where line.bank_line_id'
                ~ ' = component_items.item_id and component_items.item_side = \'bank\')'
            ) }}
        ) as pairs
    ) as candidates
),

{#- One index probe per item (`limit 1` keeps PostgreSQL from flattening the look-ups into
    joins): it cannot estimate a recursive query's rows and, guessing millions, hashed every
    ledger entry instead. #}
items as (
    select
        component_items.item_side,
        entries.ledger_item_id,
        coalesce(entries.merchant_id, lines.merchant_id) as merchant_id,
        entries.ledger_entry_id,
        case when component_items.item_side = 'bank' then component_items.item_id end
            as bank_line_id
    from component_items
    left join lateral (
        select entry.ledger_item_id, entry.merchant_id, entry.ledger_entry_id
        from {{ ledger_entries }} as entry
        where component_items.item_side = 'ledger'
            and entry.ledger_item_id = component_items.item_id
        limit 1
    ) as entries on true
    left join lateral (
        select line.merchant_id
        from {{ bank_lines }} as line
        where component_items.item_side = 'bank'
            and line.bank_line_id = component_items.item_id
        limit 1
    ) as lines on true
)

select
    items.item_side,
    items.ledger_item_id,
    items.merchant_id,
    items.ledger_entry_id,
    items.bank_line_id,
    previous.bank_source as previous_bank_source,
    previous.bank_account_id as previous_bank_account_id,
    least(previous.ledger_business_date, previous.bank_business_date) as previous_business_date,
    current_timestamp as listed_at
from items
left join lateral (
    select stored.bank_source, stored.bank_account_id, stored.ledger_business_date,
           stored.bank_business_date
    from {{ stored }} as stored
    where items.item_side = 'ledger'
        and stored.merchant_id = items.merchant_id
        and stored.ledger_entry_id = items.ledger_entry_id
    union all
    select stored.bank_source, stored.bank_account_id, stored.ledger_business_date,
           stored.bank_business_date
    from {{ stored }} as stored
    where items.item_side = 'bank' and stored.bank_line_id = items.bank_line_id
) as previous on true
{% endif %}
