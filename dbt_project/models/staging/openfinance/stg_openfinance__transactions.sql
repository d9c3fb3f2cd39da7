{#- One row per transaction the institution currently lists: the latest version of each
    (account_id, transaction_id), unless that version is withdrawn (a pending id the institution
    stopped listing). Pending ones (is_final false) are kept; consumers decide. -#}
with versions as (
    select
        *,
        row_number() over (
            partition by account_id, transaction_id order by _sequence desc
        ) as version_rank
    from {{ source('openfinance', 'openfinance_transactions') }}
)

select
    account_id,
    transaction_id,
    status,
    is_final,
    credit_debit,
    transaction_name,
    transaction_type,
    amount_minor,
    signed_amount_minor,
    currency,
    transaction_at,
    booking_date,
    partie_document_token as counterparty_document_token,
    partie_person_type as counterparty_person_type,
    partie_compe_code as counterparty_compe_code,
    partie_branch_code as counterparty_branch_code,
    partie_number as counterparty_account_number,
    partie_check_digit as counterparty_check_digit,
    _sequence as version_sequence,
    _loaded_at as loaded_at
from versions
where version_rank = 1
  and not withdrawn
