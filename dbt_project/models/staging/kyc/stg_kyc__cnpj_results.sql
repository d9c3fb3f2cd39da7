{#- One row per CNPJ the provider was asked about: its latest answer. The secondary CNAEs come
    from the kept payload (the provider writes "no secondary activity" as code 0), as sorted
    comma-separated text rather than an array: dbt unit tests cannot give array inputs on
    Postgres. -#}
with answers as (
    select
        *,
        row_number() over (
            partition by document_token order by fetched_at desc, _loaded_at desc
        ) as answer_rank
    from {{ source('kyc', 'kyc_cnpj_results') }}
)

select
    document_token,
    document_masked,
    fetched_date,
    fetched_at,
    http_status,
    result,
    error_message,
    razao_social,
    situacao,
    situacao_cadastral,
    cnae_fiscal,
    array_to_string(array(
        select distinct lpad(regexp_replace(secondary.value ->> 'codigo', '[^0-9]', '', 'g'), 7, '0')
        from jsonb_array_elements(
            case
                when jsonb_typeof(payload -> 'cnaes_secundarios') = 'array'
                    then payload -> 'cnaes_secundarios'
                else '[]'::jsonb
            end
        ) as secondary
        where regexp_replace(coalesce(secondary.value ->> 'codigo', ''), '[^0-9]', '', 'g') !~ '^0*$'
        order by 1
    ), ',') as secondary_cnaes,
    _loaded_at as loaded_at
from answers
where answer_rank = 1
