{#- The matcher ran enough rounds: no ledger entry left only_in_ledger and bank line left
    only_in_bank could still have been paired by the rules. If this fails, raise the var
    reconciliation_match_rounds.

    A daily build checks the rows its run matched again (reconciled_at: whole components of
    candidate pairs, so no pair reaches outside them); the others were checked when they were
    matched. `--vars '{ledger_tests_scope: all}'` checks every item. -#}
{%- set reconciliation = ref('fct_bank_reconciliation') -%}
with items as (
    select * from {{ reconciliation }}
    where reconciled_at >= {{ reconciliation_tests_since(reconciliation) }}
),

unmatched_ledger_entries as (
    select
        merchant_id || ':' || ledger_entry_id::text as ledger_item_id,
        merchant_id,
        currency,
        ledger_amount_minor as signed_amount_minor,
        ledger_business_date as business_date,
        ledger_occurred_at as occurred_at,
        ledger_description as description
    from items
    where status = 'only_in_ledger'
),

unmatched_bank_lines as (
    select
        bank_line_id,
        merchant_id,
        currency,
        bank_amount_minor as signed_amount_minor,
        bank_business_date as business_date,
        bank_booked_at as booked_at,
        bank_description as description
    from items
    where status = 'only_in_bank'
)

{{ reconciliation_candidate_pairs('unmatched_ledger_entries', 'unmatched_bank_lines') }}
