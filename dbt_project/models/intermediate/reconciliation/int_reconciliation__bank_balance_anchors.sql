{#- Per bank account, the balance the bank last stated and how far it sits from the account's
    lines: bank closing of a day = the lines' running sum to that day + balance_offset_minor.
    Open Finance: the latest balance snapshot, against the lines booked up to its instant.
    Statement files: the closing balance (LEDGERBAL or a balance row) of the file whose balance
    is the most recent, against the lines posted up to its date. -#}
with bank_lines as (
    select * from {{ ref('int_reconciliation__bank_lines') }}
),

openfinance_snapshots as (
    select distinct on (account_id)
        'openfinance' as bank_source,
        account_id as bank_account_id,
        'openfinance_balance' as anchor_kind,
        balance_minor as anchor_balance_minor,
        updated_at as anchor_at,
        business_date as anchor_business_date
    from {{ ref('stg_openfinance__balances') }}
    order by account_id, updated_at desc
),

statement_balances as (
    select distinct on (bank_account_id)
        'statement_file' as bank_source,
        bank_account_id,
        'statement_ledger_balance' as anchor_kind,
        ledger_balance_minor as anchor_balance_minor,
        ledger_balance_at as anchor_at,
        ledger_balance_date as anchor_business_date
    from {{ ref('stg_statements__files') }}
    where ledger_balance_minor is not null
      and ledger_balance_date is not null
    order by
        bank_account_id,
        ledger_balance_date desc,
        ledger_balance_at desc nulls last,
        loaded_at desc,
        file_checksum desc
),

anchors as (
    select * from openfinance_snapshots
    union all
    select * from statement_balances
),

lines_through_anchor as (
    select
        anchors.bank_source,
        anchors.bank_account_id,
        coalesce(sum(bank_lines.signed_amount_minor), 0)::bigint as lines_through_anchor_minor
    from anchors
    left join bank_lines
        on bank_lines.bank_source = anchors.bank_source
        and bank_lines.bank_account_id = anchors.bank_account_id
        and case
            when anchors.bank_source = 'openfinance' then bank_lines.booked_at <= anchors.anchor_at
            else bank_lines.business_date <= anchors.anchor_business_date
        end
    group by anchors.bank_source, anchors.bank_account_id
)

select
    anchors.bank_source,
    anchors.bank_account_id,
    anchors.anchor_kind,
    anchors.anchor_balance_minor,
    anchors.anchor_at,
    anchors.anchor_business_date,
    lines_through_anchor.lines_through_anchor_minor,
    (anchors.anchor_balance_minor - lines_through_anchor.lines_through_anchor_minor)::bigint
        as balance_offset_minor
from anchors
inner join lines_through_anchor
    on lines_through_anchor.bank_source = anchors.bank_source
    and lines_through_anchor.bank_account_id = anchors.bank_account_id
