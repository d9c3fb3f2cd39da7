{#- Per bank account, the earliest business day whose items in fct_bank_reconciliation changed
    since int_reconciliation__account_days last took them in: the day from which that table sums
    the account's items again.

    Two kinds of change: the rows fct_bank_reconciliation matched since the newest one
    int_reconciliation__account_days has summed (reconciled_at), each at the earlier of its two
    dates; and the rows the mart deleted for int_reconciliation__rebuilt_items (the account and
    earliest date each listed item had before), which may have left their day or account.
    A change moves an account's running sums from its date on only, so the days before the
    earliest one keep their sums.

    int_reconciliation__account_days is read by name (a ref would be a cycle); before it exists,
    every item counts as changed. The deleted rows are those of the latest list: a build that
    failed between the mart and int_reconciliation__account_days loses the deletions of its list
    (a full refresh of int_reconciliation__account_days+ takes them in). -#}
{{ config(materialized='table') }}
{%- set reconciliation = ref('fct_bank_reconciliation') -%}
{%- set account_days = adapter.get_relation(
    database=target.database, schema='intermediate', identifier='int_reconciliation__account_days'
) if execute else none -%}
{%- set summed_through = newest_literal(account_days, 'reconciled_at')
    if account_days is not none else "'-infinity'::timestamptz" -%}

with changes as (
    select
        bank_source,
        bank_account_id,
        least(ledger_business_date, bank_business_date) as changed_from
    from {{ reconciliation }}
    where reconciled_at > {{ summed_through }}
      and bank_account_id is not null
    union all
    select
        previous_bank_source,
        previous_bank_account_id,
        previous_business_date
    from {{ ref('int_reconciliation__rebuilt_items') }}
    where previous_bank_account_id is not null
      and previous_business_date is not null
)

select
    bank_source,
    bank_account_id,
    min(changed_from) as changed_from
from changes
group by bank_source, bank_account_id
