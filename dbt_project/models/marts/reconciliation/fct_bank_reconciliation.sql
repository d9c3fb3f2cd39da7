{#- Each ledger entry matched against the bank lines of its merchant's registered accounts, one
    row per matched pair or unmatched item.

    Matching is one-to-one and deterministic. Every candidate pair (see the macro
    reconciliation_candidate_pairs) gets one place in a total order: by rule (same amount and
    date, then same amount within the date window, then same date with a small amount
    difference), then amount gap, business-day gap, calendar-day gap, time gap, and the ids.
    Each round accepts the pairs that are the best remaining candidate of both their ledger entry
    and their bank line, then removes both from the later rounds; the best remaining pair is
    always accepted, so the rounds converge to the greedy assignment in that order (a singular
    test checks no matchable pair is left when the rounds run out).

    Incremental: a run deletes the rows of the items int_reconciliation__rebuilt_items lists
    (whole connected components of candidate pairs around what is new, changed or in the
    backfill range) and matches those items again; the rest keep their rows, which a full
    refresh would give them too. The warehouse bench checks that equality row by row after its
    daily run (bench/reconciliation_equality.py). It deletes only the items the list found
    stored (a previous_business_date), so the day's new items are not looked up a second time:
    at the 10M bench those deletes took 25.4 s before, under 0.3 s after. A list older than the
    mart's newest rows has been applied already: then every listed item is deleted
    (macros/reconciliation.sql, rebuilt_item_was_stored).

    Each row carries the run that matched it (reconciled_at), so a daily build tests only the
    rows it wrote (macros/reconciliation_tests_since.sql); the unique indexes keep the whole
    table to its grain, a ledger entry or a bank line in one row at most (nulls are distinct).
    Those two also keep reconciliation_item_id unique, a hash of the entry and the line: it has
    no index of its own, which would take each day's items at random pages (the dashboard's
    drill-down finds an item through its business date). -#}
{#- Analyzed after every run (macros/analyze_after_build.sql): its tests read the items this run
    matched, and with the last run's statistics assert_bank_reconciliation_leaves_no_matchable_pair
    took 28.0 s instead of under a second at the 10M bench. -#}
{#- The index on business_date serves the Conciliação dashboard's period over every merchant:
    without it each of its queries read all 5 million items at the 10M bench (p95 1.59 s, then
    0.48 s). -#}
{%- set rounds = var('reconciliation_match_rounds') | int -%}
{%- set rebuilt = ref('int_reconciliation__rebuilt_items') -%}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        analyze_every_run=true,
        pre_hook=[
            "{% if is_incremental() %}delete from {{ this }} as stored using "
            ~ "{{ ref('int_reconciliation__rebuilt_items') }} as rebuilt "
            ~ "where rebuilt.item_side = 'ledger' and {{ rebuilt_item_was_stored('rebuilt') }} "
            ~ "and stored.merchant_id = rebuilt.merchant_id "
            ~ "and stored.ledger_entry_id = rebuilt.ledger_entry_id{% endif %}",
            "{% if is_incremental() %}delete from {{ this }} as stored using "
            ~ "{{ ref('int_reconciliation__rebuilt_items') }} as rebuilt "
            ~ "where rebuilt.item_side = 'bank' and {{ rebuilt_item_was_stored('rebuilt') }} "
            ~ "and stored.bank_line_id = rebuilt.bank_line_id{% endif %}",
        ],
        indexes=[
            {'columns': ['merchant_id', 'ledger_entry_id'], 'unique': true},
            {'columns': ['bank_line_id'], 'unique': true},
            {'columns': ['reconciled_at']},
            {'columns': ['ledger_loaded_at']},
            {'columns': ['bank_source', 'bank_loaded_at']},
            {'columns': ['bank_source', 'bank_account_id', 'business_date']},
            {'columns': ['business_date']},
        ],
    )
}}

with ledger_entries as (
    select * from {{ ref('int_reconciliation__ledger_entries') }}
    {% if is_incremental() -%}
    where ledger_item_id in (select ledger_item_id from {{ rebuilt }})
    {%- endif %}
),

bank_lines as (
    select * from {{ ref('int_reconciliation__bank_lines') }}
    {% if is_incremental() -%}
    where bank_line_id in (select bank_line_id from {{ rebuilt }})
    {%- endif %}
),

candidates as (
    select
        *,
        row_number() over (
            order by
                match_rule,
                amount_gap_minor,
                business_day_gap,
                day_gap,
                seconds_gap,
                ledger_item_id,
                bank_line_id
        ) as candidate_order
    from ({{ reconciliation_candidate_pairs('ledger_entries', 'bank_lines') }}) as pairs
),

remaining_0 as (
    select ledger_item_id, bank_line_id, match_rule, candidate_order from candidates
),
{% for round in range(1, rounds + 1) %}
round_{{ round }} as (
    select ledger_item_id, bank_line_id, match_rule
    from (
        select
            *,
            min(candidate_order) over (partition by ledger_item_id) as best_for_ledger_entry,
            min(candidate_order) over (partition by bank_line_id) as best_for_bank_line
        from remaining_{{ round - 1 }}
    ) as ranked
    where candidate_order = best_for_ledger_entry
      and candidate_order = best_for_bank_line
),

remaining_{{ round }} as (
    select *
    from remaining_{{ round - 1 }} as remaining
    where not exists (
        select 1 from round_{{ round }} as accepted
        where accepted.ledger_item_id = remaining.ledger_item_id
    )
    and not exists (
        select 1 from round_{{ round }} as accepted
        where accepted.bank_line_id = remaining.bank_line_id
    )
),
{% endfor %}
matched_pairs as (
    {%- for round in range(1, rounds + 1) %}
    select * from round_{{ round }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

ledger_sides as (
    select
        ledger_entries.*,
        matched_pairs.bank_line_id as matched_bank_line_id,
        matched_pairs.match_rule
    from ledger_entries
    left join matched_pairs on matched_pairs.ledger_item_id = ledger_entries.ledger_item_id
),

items as (
    select
        case
            when ledger_sides.ledger_item_id is null then 'only_in_bank'
            when bank_lines.bank_line_id is null then 'only_in_ledger'
            when ledger_sides.match_rule = 1 then 'matched'
            when ledger_sides.match_rule = 2 then 'date_mismatch'
            when ledger_sides.match_rule = 3 then 'amount_mismatch'
        end as status,
        coalesce(ledger_sides.merchant_id, bank_lines.merchant_id) as merchant_id,
        coalesce(bank_lines.bank_source, ledger_sides.primary_bank_source) as bank_source,
        coalesce(bank_lines.bank_account_id, ledger_sides.primary_bank_account_id)
            as bank_account_id,
        coalesce(ledger_sides.currency, bank_lines.currency) as currency,
        ledger_sides.ledger_item_id,
        ledger_sides.ledger_entry_id,
        ledger_sides.external_id as ledger_external_id,
        ledger_sides.business_date as ledger_business_date,
        ledger_sides.occurred_at as ledger_occurred_at,
        ledger_sides.signed_amount_minor as ledger_amount_minor,
        ledger_sides.description as ledger_description,
        ledger_sides.category as ledger_category,
        ledger_sides.loaded_at as ledger_loaded_at,
        bank_lines.bank_line_id,
        bank_lines.bank_transaction_id,
        bank_lines.business_date as bank_business_date,
        bank_lines.booked_at as bank_booked_at,
        bank_lines.signed_amount_minor as bank_amount_minor,
        bank_lines.description as bank_description,
        bank_lines.transaction_type as bank_transaction_type,
        bank_lines.counterparty_document_token as bank_counterparty_document_token,
        bank_lines.loaded_at as bank_loaded_at
    from ledger_sides
    full outer join bank_lines on bank_lines.bank_line_id = ledger_sides.matched_bank_line_id
)

select
    md5(coalesce(ledger_item_id, '') || '|' || coalesce(bank_line_id, ''))
        as reconciliation_item_id,
    status,
    merchant_id,
    merchant_id is not null as has_known_merchant,
    bank_source,
    bank_account_id,
    coalesce(ledger_business_date, bank_business_date) as business_date,
    currency,
    (coalesce(bank_amount_minor, 0) - coalesce(ledger_amount_minor, 0))::bigint
        as difference_minor,
    (bank_business_date - ledger_business_date)::integer as date_difference_days,
    ledger_entry_id,
    ledger_external_id,
    ledger_business_date,
    ledger_occurred_at,
    ledger_amount_minor,
    ledger_description,
    ledger_category,
    bank_line_id,
    bank_transaction_id,
    bank_business_date,
    bank_booked_at,
    bank_amount_minor,
    bank_description,
    bank_transaction_type,
    bank_counterparty_document_token,
    ledger_loaded_at,
    bank_loaded_at,
    current_timestamp as reconciled_at
from items
