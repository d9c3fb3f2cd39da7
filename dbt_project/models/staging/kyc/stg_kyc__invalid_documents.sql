{#- One row per document a KYC load refused to send out because it failed validation (check
    digits, length, repeated digits): quarantined under `<kind>:<token>`. Unreadable answers are
    keyed `<kind>:<token>:<date>` and are not invalid documents, so the pattern leaves them out. -#}
with invalid as (
    select
        split_part(record_key, ':', 1) as document_kind,
        split_part(record_key, ':', 2) as document_token,
        reason,
        quarantined_at,
        row_number() over (partition by record_key order by quarantined_at desc) as reason_rank
    from {{ source('kyc', '_quarantine') }}
    where source in ('kyc_cpf', 'kyc_cnpj')
        and record_key ~ '^(cpf|cnpj):[0-9a-f]{64}$'
)

select document_kind, document_token, reason, quarantined_at
from invalid
where reason_rank = 1
