{#- What may or must be communicated to COAF, one row per AML alert, with what a communication
    (SISCOAF) needs and its deadline:
    - `cash_operation` (rule 1): a cash operation of R$ 50,000 or more must be communicated by the
      next business day after it happened (Circular 3.978/2020, art. 49), whatever the analysis;
    - `suspicious_operation` (every other rule): communicated only if the analysis decides it is
      suspicious, by the next business day after that decision (art. 48); the analysis itself is
      due 45 days after selection. The report deadline given is the latest one: the business day
      after the analysis deadline.
    The customer's clear document is not here: it is in raw.kyc_documents_restricted, behind
    its role; this mart carries its token and masked form. -#}
with alerts as (
    select * from {{ ref('fct_aml_alerts') }}
),

customers as (
    select * from {{ ref('stg_onboarding__customers') }}
),

merchants as (
    select merchant_id, merchant_name from {{ ref('stg_ledger__merchants') }}
)

select
    alerts.alert_id::text as alert_id,
    (case when alerts.rule_code = 'cash_at_reporting_threshold'
        then 'cash_operation' else 'suspicious_operation' end)::text as communication_kind,
    (case when alerts.rule_code = 'cash_at_reporting_threshold'
        then 'must' else 'may' end)::text as obligation,
    alerts.rule_code::text as rule_code,
    alerts.rule_title::text as rule_title,
    alerts.severity::text as severity,
    alerts.regulatory_reference::text as regulatory_reference,
    alerts.merchant_id::text as customer_id,
    coalesce(customers.legal_name, merchants.merchant_name)::text as customer_name,
    customers.person_type::text as customer_person_type,
    customers.document_token::text as customer_document_token,
    customers.document_masked::text as customer_document_masked,
    alerts.window_start::date as first_operation_date,
    alerts.window_end::date as last_operation_date,
    alerts.operation_count::integer as operation_count,
    alerts.amount_minor::bigint as amount_minor,
    alerts.currency::text as currency,
    alerts.triggering_operation_ids::text[] as triggering_operation_ids,
    alerts.detail::text as grounds,
    alerts.first_detected_at::timestamptz as first_detected_at,
    alerts.selection_deadline::date as selection_deadline,
    alerts.analysis_deadline::date as analysis_deadline,
    (case when alerts.rule_code = 'cash_at_reporting_threshold'
        then {{ next_business_day('alerts.window_end') }}
        else {{ next_business_day('alerts.analysis_deadline') }}
    end)::date as report_deadline
from alerts
left join customers on customers.customer_id = alerts.merchant_id
left join merchants on merchants.merchant_id = alerts.merchant_id
