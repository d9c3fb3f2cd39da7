{#- One row per customer of the onboarding register: its current KYC standing and risk rating.

    Findings, from the provider's latest answer about the customer's document:
    - invalid_document: the provider refused the document (400), or a KYC load quarantined it
      for failing validation;
    - document_not_found: the provider has no record (404);
    - registry_not_active: a company whose registry status is not ATIVA, a person whose CPF is not
      REGULAR;
    - cnae_mismatch: a company whose declared CNAE is neither its registry primary CNAE nor one of
      its secondary ones;
    - politically_exposed: the document is on the PEP list, in office or within pep_until;
    - not_checked: the provider was never asked about the document;
    - shared_contact: another customer gave the same e-mail or phone (tokens compared);
    - cash_business: the customer expects to be paid mostly in cash.

    Rating: high when any of the first four high-risk findings (invalid_document,
    document_not_found, registry_not_active, politically_exposed) holds, or when at least
    `kyc_medium_findings_for_high` medium ones do; medium with any medium finding (cnae_mismatch,
    not_checked, shared_contact, cash_business); low otherwise. `risk_reasons` lists the findings
    behind the rating as comma-separated text (not an array, which dbt unit tests cannot check
    on Postgres), high ones first; empty when low. -#}
{%- set cash_mixes = var('kyc_cash_payment_mixes') -%}

with customers as (
    select * from {{ ref('stg_onboarding__customers') }}
),

cnpj_answers as (
    select * from {{ ref('stg_kyc__cnpj_results') }}
),

cpf_answers as (
    select * from {{ ref('stg_kyc__cpf_results') }}
),

invalid_documents as (
    select * from {{ ref('stg_kyc__invalid_documents') }}
),

pep_register as (
    select * from {{ ref('stg_kyc__pep_register') }}
),

answers as (
    select
        'PJ' as person_type,
        document_token,
        result,
        situacao,
        situacao = 'ATIVA' as is_active,
        cnae_fiscal,
        secondary_cnaes,
        fetched_date
    from cnpj_answers
    union all
    select
        'PF',
        document_token,
        result,
        situacao,
        situacao = 'REGULAR',
        null,
        null,
        fetched_date
    from cpf_answers
),

current_pep as (
    select
        document_token,
        bool_or(pep_until is null) as is_in_office,
        max(pep_until) as latest_pep_until
    from pep_register
    where pep_until is null or pep_until >= current_date
    group by document_token
),

shared_contacts as (
    select customer_id
    from customers
    where exists (
        select 1
        from customers as other
        where other.customer_id <> customers.customer_id
            and (
                other.contact_phone_token = customers.contact_phone_token
                or other.contact_email_token = customers.contact_email_token
            )
    )
),

checked as (
    select
        customers.customer_id,
        customers.person_type,
        customers.document_token,
        customers.document_masked,
        customers.legal_name,
        customers.declared_cnae,
        customers.declared_monthly_revenue_minor,
        customers.currency,
        customers.expected_payment_mix,
        customers.register_loaded_at,
        answers.result as provider_result,
        answers.situacao as registry_situacao,
        answers.cnae_fiscal as registry_primary_cnae,
        answers.secondary_cnaes as registry_secondary_cnaes,
        greatest(answers.fetched_date, invalid_documents.quarantined_at::date)
            as last_checked_date,
        coalesce(answers.result = 'rejected_by_provider', false)
            or invalid_documents.document_token is not null as has_invalid_document,
        coalesce(answers.result = 'not_found', false) as is_document_not_found,
        coalesce(answers.result = 'found' and not coalesce(answers.is_active, false), false)
            as is_registry_not_active,
        coalesce(
            answers.result = 'found'
            and customers.person_type = 'PJ'
            and customers.declared_cnae is not null
            and customers.declared_cnae is distinct from answers.cnae_fiscal
            and not (
                customers.declared_cnae
                = any(string_to_array(coalesce(answers.secondary_cnaes, ''), ','))
            ),
            false
        ) as has_cnae_mismatch,
        current_pep.document_token is not null as is_politically_exposed,
        case
            when current_pep.is_in_office then null
            else current_pep.latest_pep_until
        end as pep_until,
        answers.document_token is null and invalid_documents.document_token is null
            as is_not_checked,
        shared_contacts.customer_id is not null as has_shared_contact,
        customers.expected_payment_mix in (
            {%- for mix in cash_mixes %}'{{ mix }}'{% if not loop.last %}, {% endif %}{% endfor -%}
        ) as is_cash_business
    from customers
    left join answers
        on answers.document_token = customers.document_token
        and answers.person_type = customers.person_type
    left join invalid_documents
        on invalid_documents.document_token = customers.document_token
    left join current_pep
        on current_pep.document_token = customers.document_token
    left join shared_contacts
        on shared_contacts.customer_id = customers.customer_id
),

findings as (
    select
        *,
        array_remove(array[
            case when has_invalid_document then 'invalid_document' end,
            case when is_document_not_found then 'document_not_found' end,
            case when is_registry_not_active then 'registry_not_active' end,
            case when is_politically_exposed then 'politically_exposed' end
        ], null) as high_findings,
        array_remove(array[
            case when has_cnae_mismatch then 'cnae_mismatch' end,
            case when is_not_checked then 'not_checked' end,
            case when has_shared_contact then 'shared_contact' end,
            case when is_cash_business then 'cash_business' end
        ], null) as medium_findings
    from checked
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
    expected_payment_mix,
    case
        when has_invalid_document then 'invalid_document'
        when is_not_checked then 'not_checked'
        when is_document_not_found then 'not_found'
        when is_registry_not_active then 'not_active'
        when has_cnae_mismatch then 'cnae_mismatch'
        else 'ok'
    end as kyc_status,
    provider_result,
    registry_situacao,
    registry_primary_cnae,
    registry_secondary_cnaes,
    has_invalid_document,
    is_document_not_found,
    is_registry_not_active,
    has_cnae_mismatch,
    is_politically_exposed,
    pep_until,
    has_shared_contact,
    is_cash_business,
    last_checked_date,
    case
        when cardinality(high_findings) > 0
            or cardinality(medium_findings) >= {{ var('kyc_medium_findings_for_high') | int }}
            then 'high'
        when cardinality(medium_findings) > 0 then 'medium'
        else 'low'
    end as risk_rating,
    array_to_string(high_findings || medium_findings, ',') as risk_reasons,
    register_loaded_at
from findings
