{#- One row per statement file, with its account key. -#}
select
    file_checksum,
    file_name,
    file_format,
    layout,
    {{ statement_bank_account_id('bank_id', 'account_id', 'file_checksum') }} as bank_account_id,
    bank_id,
    branch_id,
    account_id,
    currency,
    period_start_at,
    period_end_at,
    opening_balance_minor,
    ledger_balance_minor,
    ledger_balance_at,
    ledger_balance_date,
    lines_total_minor,
    line_count,
    lines_quarantined,
    is_ledger_balance_matched,
    _loaded_at as loaded_at
from {{ source('statements', 'statement_files') }}
