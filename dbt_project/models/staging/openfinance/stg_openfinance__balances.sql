{#- One row per balance snapshot. The account's book balance is everything it holds: available,
    blocked and automatically invested amounts. -#}
select
    account_id,
    updated_at,
    {{ business_date('updated_at', "'America/Sao_Paulo'") }} as business_date,
    available_amount_minor,
    blocked_amount_minor,
    automatically_invested_amount_minor,
    (available_amount_minor + blocked_amount_minor + automatically_invested_amount_minor)::bigint
        as balance_minor,
    currency,
    _loaded_at as loaded_at
from {{ source('openfinance', 'openfinance_balances') }}
