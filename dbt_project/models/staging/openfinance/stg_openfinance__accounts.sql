{#- One row per account: its latest version. -#}
with versions as (
    select
        *,
        row_number() over (partition by account_id order by _sequence desc) as version_rank
    from {{ source('openfinance', 'openfinance_accounts') }}
)

select
    account_id,
    brand_name,
    company_cnpj_token,
    account_type,
    compe_code,
    branch_code,
    number as account_number,
    check_digit,
    _loaded_at as loaded_at
from versions
where version_rank = 1
