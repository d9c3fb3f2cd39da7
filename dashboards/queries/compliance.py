"""Reads of the compliance marts for the Compliance page: the AML alert queue, an alert's
triggering operations, COAF candidates and KYC standing. Documents come as tokens and masked
forms only (queries.restricted_documents has the clear ones)."""

from datetime import date, timedelta

import pandas as pd

from dashboards.alert_reviews import LATEST_REVIEW_JOIN, STATUS_SQL
from dashboards.queries.warehouse import read_marts

# An alert whose selection deadline is this close is due soon.
DUE_SOON_DAYS = 7
DEADLINE_STATUS_SQL = (
    "case when selection_deadline < :today then 'overdue' "
    "when selection_deadline <= :due_soon then 'due_soon' else 'on_time' end"
)


def alert_filter_options() -> pd.DataFrame:
    """Each rule that has alerts, and the customers with alerts (for the filters)."""
    return read_marts(
        "select distinct rule_code, rule_number, rule_title, merchant_id "
        "from marts.fct_aml_alerts order by rule_number, merchant_id",
        {},
    )


def alert_queue(
    rules: list[str],
    severities: list[str],
    deadline_statuses: list[str],
    review_statuses: list[str],
    merchant_id: str | None,
    today: date,
) -> pd.DataFrame:
    """The alerts that pass the filters, with their latest decision (dashboard.alert_reviews),
    the nearest selection deadline first."""
    return read_marts(
        "select * from ("
        "  select alerts.alert_id, rule_code, rule_number, rule_title, severity, merchant_id,"
        "  window_start, window_end, operation_count, amount_minor, currency,"
        "  first_detected_at, selection_deadline, analysis_deadline,"
        f"  {DEADLINE_STATUS_SQL} as deadline_status,"
        f"  {STATUS_SQL} as review_status, latest_review.reviewed_by"
        f"  from marts.fct_aml_alerts as alerts {LATEST_REVIEW_JOIN}"
        "  where rule_code = any(cast(:rules as text[]))"
        "  and severity = any(cast(:severities as text[]))"
        "  and (cast(:merchant_id as text) is null or merchant_id = :merchant_id)"
        ") as alerts where deadline_status = any(cast(:deadline_statuses as text[])) "
        "and review_status = any(cast(:review_statuses as text[])) "
        "order by selection_deadline, case severity when 'high' then 0 when 'medium' then 1 "
        "else 2 end, alert_id",
        {
            "rules": rules,
            "severities": severities,
            "deadline_statuses": deadline_statuses,
            "review_statuses": review_statuses,
            "merchant_id": merchant_id,
            "today": today,
            "due_soon": today + timedelta(days=DUE_SOON_DAYS),
        },
    )


def alert(alert_id: str) -> pd.DataFrame:
    return read_marts(
        "select alert_id, rule_code, rule_number, rule_title, severity, regulatory_reference, "
        "merchant_id, window_start, window_end, operation_count, amount_minor, currency, "
        "triggering_operation_ids, detail, first_detected_at, selection_deadline, "
        "analysis_deadline from marts.fct_aml_alerts where alert_id = :alert_id",
        {"alert_id": alert_id},
    )


def triggering_operations(merchant_id: str, operation_ids: list[str]) -> pd.DataFrame:
    """The ledger entries (`ledger:<entry id>`) and Open Finance lines (`bank:<account>:<id>`)
    behind an alert of the merchant, as the reconciliation mart has them. The merchant is what
    the mart's unique index on entries leads with: without it an entry is looked for in every
    item."""
    entry_ids = [op.removeprefix("ledger:") for op in operation_ids if op.startswith("ledger:")]
    line_ids = [
        "openfinance:" + op.removeprefix("bank:") for op in operation_ids if op.startswith("bank:")
    ]
    return read_marts(
        "select ledger_entry_id, ledger_business_date, ledger_amount_minor, ledger_description, "
        "ledger_category, bank_line_id, bank_business_date, bank_amount_minor, bank_description, "
        "bank_transaction_type, currency from marts.fct_bank_reconciliation "
        "where merchant_id = :merchant_id and (ledger_entry_id = any(cast(:entry_ids as uuid[])) "
        "or bank_line_id = any(cast(:line_ids as text[]))) "
        "order by coalesce(ledger_business_date, bank_business_date)",
        {"merchant_id": merchant_id, "entry_ids": entry_ids, "line_ids": line_ids},
    )


def coaf_candidates() -> pd.DataFrame:
    """Each candidate with its alert's latest decision (a reported one is done)."""
    return read_marts(
        "select alerts.alert_id, communication_kind, obligation, rule_title, severity, "
        "customer_id, customer_name, customer_person_type, customer_document_token, "
        "customer_document_masked, last_operation_date, amount_minor, currency, "
        f"report_deadline, analysis_deadline, {STATUS_SQL} as review_status "
        f"from marts.fct_coaf_report_candidates as alerts {LATEST_REVIEW_JOIN}"
        "order by report_deadline, obligation desc, alert_id",
        {},
    )


def kyc_customers() -> pd.DataFrame:
    return read_marts(
        "select customer_id, person_type, legal_name, document_token, document_masked, "
        "kyc_status, risk_rating, risk_reasons, is_politically_exposed, last_checked_date "
        "from marts.dim_customers_kyc "
        "order by case risk_rating when 'high' then 0 when 'medium' then 1 else 2 end, "
        "customer_id",
        {},
    )
