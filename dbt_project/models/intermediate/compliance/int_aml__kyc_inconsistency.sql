{#- Rule 12: customer data that does not hold together, one alert per customer and finding of
    dim_customers_kyc, which computes the findings once:
    - `registry_not_active`: the registry has the company other than ATIVA (a person's CPF other
      than REGULAR) while the customer still moves money in the ledger (in the scan window);
    - `shared_contact`: the customer shares a phone or e-mail with another customer of the
      register (documents are tokenized, so branches of one group are not told apart);
    - `cnae_mismatch`: the activity (CNAE) declared at onboarding is neither the registry's
      primary nor one of its secondary activities.
    The window is the day the provider last checked the customer (else the register's load). -#}
with operations as ({{ aml_operations(aml_scan_start()) }}),

customers as (
    select
        *,
        coalesce(
            last_checked_date,
            {{ business_date('register_loaded_at', "'America/Sao_Paulo'") }}
        ) as seen_on
    from {{ ref('dim_customers_kyc') }}
),

recent_activity as (
    select
        merchant_id as customer_id,
        count(*) as operation_count,
        sum(amount_minor) as amount_minor,
        array_agg(operation_id order by operation_id) as operation_ids
    from operations
    where source = 'ledger'
    group by merchant_id
),

findings as (
    select
        customers.customer_id,
        'registry_not_active' as finding,
        customers.seen_on,
        activity.operation_count,
        activity.amount_minor,
        activity.operation_ids,
        format('situação cadastral %s, e %s operações movimentaram %s',
            customers.registry_situacao, activity.operation_count,
            {{ brl('activity.amount_minor') }})
            as detail
    from customers
    inner join recent_activity as activity using (customer_id)
    where customers.is_registry_not_active

    union all

    select
        customer_id,
        'shared_contact',
        seen_on,
        0,
        0::bigint,
        array[]::text[],
        'shares a phone or e-mail with another customer'
    from customers
    where has_shared_contact

    union all

    select
        customer_id,
        'cnae_mismatch',
        seen_on,
        0,
        0::bigint,
        array[]::text[],
        format('CNAE declarado %s; no cadastro %s, secundários %s', declared_cnae,
            registry_primary_cnae, coalesce(nullif(registry_secondary_cnaes, ''), 'nenhum'))
    from customers
    where has_cnae_mismatch
)

select
    'kyc_inconsistency' as rule_code,
    findings.customer_id || ':' || findings.finding as alert_key,
    findings.customer_id as merchant_id,
    findings.seen_on as window_start,
    findings.seen_on as window_end,
    findings.operation_count::integer as operation_count,
    findings.amount_minor::bigint as amount_minor,
    customers.currency,
    findings.operation_ids as triggering_operation_ids,
    findings.finding || ': ' || findings.detail as detail
from findings
inner join customers using (customer_id)
