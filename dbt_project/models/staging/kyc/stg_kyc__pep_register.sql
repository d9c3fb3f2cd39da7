{#- One row per mandate of a politically exposed person (document, role, organ, start): its
    latest version. Circular 3.978/2020 (art. 27) keeps a person a PEP for five years after the
    mandate ends, so pep_until is mandate_end + 5 years, and null while in office. -#}
with versions as (
    select
        *,
        row_number() over (
            partition by document_token, pep_role, pep_organ, mandate_start
            order by fetched_at desc, _loaded_at desc
        ) as version_rank
    from {{ source('kyc', 'kyc_pep_register') }}
)

select
    document_token,
    pep_name,
    pep_role,
    pep_organ,
    mandate_start,
    mandate_end,
    (mandate_end + interval '5 years')::date as pep_until
from versions
where version_rank = 1
