"""The raw KYC tables: the provider's answers about the onboarding register's customers due for a
check (PJ by CNPJ, PF by CPF), and its list of politically exposed persons, tokenized."""

import dagster as dg
from pydantic import Field

from ingestion.documents import DocumentKind, document_token_key
from ingestion.kyc.load import DEFAULT_MAX_ERROR_RATE, KycLoadResult, load_kyc_results
from ingestion.kyc.pep import load_pep_register
from ingestion.kyc.screening import DueCustomers, customers_due
from orchestration.defs.kyc.resources import KycSource
from orchestration.defs.resources import FluxoDatabases
from orchestration.defs.retries import INGESTION_RETRY_POLICY, retried_only_if_transient


class KycLoadConfig(dg.Config):
    max_error_rate: float = Field(
        default=DEFAULT_MAX_ERROR_RATE,
        ge=0,
        le=1,
        description="Share of a run's documents that may be invalid or unreadable before nothing "
        "is loaded.",
    )


def _materialize(
    kind: DocumentKind, config: KycLoadConfig, kyc: KycSource, databases: FluxoDatabases
) -> dg.MaterializeResult:  # type: ignore[type-arg]
    token_key = document_token_key()
    with retried_only_if_transient():
        urls = databases.urls()
        # Clear documents, read at run time: never in the run's config, metadata or logs.
        due = customers_due(
            urls.ledger_dsn,
            urls.warehouse_dsn,
            kind,
            token_key=token_key,
            rescreen_after_days=kyc.settings().rescreen_after_days,
        )
    with (
        kyc.client() as client,
        # A failure keeps the client's view of it (retries, breaker) on the failed run.
        retried_only_if_transient(lambda: client.stats.as_metadata()),
    ):
        # With nothing due this looks nothing up and loads nothing, but still creates the tables
        # the dbt sources read.
        result = load_kyc_results(
            client,
            urls.warehouse_dsn,
            due.documents,
            kind,
            token_key=token_key,
            max_error_rate=config.max_error_rate,
        )
    return dg.MaterializeResult(metadata={**_due_metadata(due), **_metadata(result)})


def _due_metadata(due: DueCustomers) -> dict[str, str | int | float]:
    return {
        "summary": due.summary(),
        "customers_in_register": due.in_register,
        "customers_due": due.due,
        "due_new": due.new,
        "due_changed": due.changed,
        "due_stale": due.stale,
        "rescreen_after_days": due.rescreen_after_days,
    }


def _metadata(result: KycLoadResult) -> dict[str, str | int | float]:
    stats = result.client_stats
    return {
        "batch_id": result.batch_id,
        "fetched_date": result.fetched_date.isoformat(),
        "documents_seen": result.documents_seen,
        "rows_loaded": result.rows_loaded,
        "already_loaded_today": result.already_loaded_today,
        "found": result.found,
        "not_found": result.not_found,
        "rejected_by_provider": result.rejected_by_provider,
        "invalid_documents": result.invalid_documents,
        "unreadable_answers": result.unreadable_answers,
        "rows_quarantined": result.rows_quarantined,
        "requests": stats.requests,
        "retries": stats.retries,
        "rate_limited": stats.rate_limited,
        "server_failures": stats.server_failures,
        "breaker_state": stats.breaker_state,
        "breaker_opens": stats.breaker_opens,
    }


@dg.asset(
    key=["raw", "kyc_cnpj_results"],
    group_name="kyc",
    kinds={"postgres"},
    retry_policy=INGESTION_RETRY_POLICY,
    description="Registry answers (BrasilAPI CNPJ) about the onboarding register's companies (PJ) "
    "due for a check: new, changed since their last check, or last checked "
    "FLUXO_KYC_RESCREEN_AFTER_DAYS (30) days ago or more. One row per document token and day; "
    "clear CNPJs only in raw.kyc_documents_restricted.",
)
def raw_kyc_cnpj_results(
    config: KycLoadConfig, kyc: KycSource, databases: FluxoDatabases
) -> dg.MaterializeResult:  # type: ignore[type-arg]
    return _materialize("cnpj", config, kyc, databases)


@dg.asset(
    key=["raw", "kyc_cpf_results"],
    group_name="kyc",
    kinds={"postgres"},
    retry_policy=INGESTION_RETRY_POLICY,
    description="CPF status answers (Receita situação cadastral) about the onboarding register's "
    "people (PF) due for a check: new, changed since their last check, or last checked "
    "FLUXO_KYC_RESCREEN_AFTER_DAYS (30) days ago or more. One row per document token and day; "
    "clear CPFs only in raw.kyc_documents_restricted.",
)
def raw_kyc_cpf_results(
    config: KycLoadConfig, kyc: KycSource, databases: FluxoDatabases
) -> dg.MaterializeResult:  # type: ignore[type-arg]
    return _materialize("cpf", config, kyc, databases)


@dg.asset(
    key=["raw", "kyc_pep_register"],
    group_name="kyc",
    kinds={"postgres"},
    retry_policy=INGESTION_RETRY_POLICY,
    description="The provider's list of politically exposed persons, one row per new or changed "
    "entry; CPFs tokenized (clear only in raw.kyc_documents_restricted).",
)
def raw_kyc_pep_register(
    config: KycLoadConfig, kyc: KycSource, databases: FluxoDatabases
) -> dg.MaterializeResult:  # type: ignore[type-arg]
    with (
        kyc.client() as client,
        retried_only_if_transient(lambda: client.stats.as_metadata()),
    ):
        result = load_pep_register(
            client,
            databases.urls().warehouse_dsn,
            token_key=document_token_key(),
            max_error_rate=config.max_error_rate,
        )
    return dg.MaterializeResult(
        metadata={
            "batch_id": result.batch_id,
            "entries_seen": result.entries_seen,
            "pages": result.pages,
            "rows_loaded": result.rows_loaded,
            "invalid_entries": result.invalid_entries,
            "rows_quarantined": result.rows_quarantined,
            **result.client_stats.as_metadata(),
        }
    )
