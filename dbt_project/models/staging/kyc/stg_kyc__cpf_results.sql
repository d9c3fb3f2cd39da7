{#- One row per CPF the provider was asked about: its latest answer. -#}
with answers as (
    select
        *,
        row_number() over (
            partition by document_token order by fetched_at desc, _loaded_at desc
        ) as answer_rank
    from {{ source('kyc', 'kyc_cpf_results') }}
)

select
    document_token,
    document_masked,
    fetched_date,
    fetched_at,
    http_status,
    result,
    error_message,
    situacao,
    ano_obito,
    _loaded_at as loaded_at
from answers
where answer_rank = 1
