{#- One row per merchant bank account of the onboarding register: its latest version. -#}
with versions as (
    select
        *,
        row_number() over (
            partition by source, bank_account_id order by updated_at desc, _loaded_at desc
        ) as version_rank
    from {{ source('onboarding', 'onboarding_bank_accounts') }}
)

select
    merchant_id,
    source,
    bank_account_id,
    registered_at,
    updated_at,
    _loaded_at as register_loaded_at
from versions
where version_rank = 1
