{#- One row per customer of the onboarding register: its latest version. -#}
with versions as (
    select
        *,
        row_number() over (
            partition by customer_id order by updated_at desc, _loaded_at desc
        ) as version_rank
    from {{ source('onboarding', 'onboarding_customers') }}
)

select
    customer_id,
    person_type,
    document_token,
    document_masked,
    legal_name,
    declared_cnae,
    declared_monthly_revenue_minor,
    currency,
    contact_email_token,
    contact_phone_token,
    expected_payment_mix,
    onboarded_at,
    _loaded_at as register_loaded_at
from versions
where version_rank = 1
