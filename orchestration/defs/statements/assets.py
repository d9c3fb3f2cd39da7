"""The raw statement tables, loaded from the statement files in $FLUXO_HOME/landing/."""

from pathlib import Path

import dagster as dg
from pydantic import Field

from fluxo.settings import Settings
from ingestion.statements.load import DEFAULT_MAX_ERROR_RATE, load_statements
from orchestration.defs.resources import FluxoDatabases
from orchestration.defs.retries import INGESTION_RETRY_POLICY, retried_only_if_transient


def landing_dir() -> Path:
    return Settings().home_dir / "landing"


class StatementLoadConfig(dg.Config):
    max_error_rate: float = Field(
        default=DEFAULT_MAX_ERROR_RATE,
        ge=0,
        le=1,
        description="Share of a run's lines that may fail validation before nothing is loaded.",
    )
    full_history_accounts: list[str] = Field(
        default_factory=list,
        description="Account ids whose statements start at the account's opening (balance 0), "
        "so their closing balance can be checked against the sum of lines.",
    )


@dg.asset(
    key=["raw", "statement_lines"],
    group_name="statements",
    kinds={"postgres"},
    description="Lines of the OFX and CSV statement files dropped in $FLUXO_HOME/landing/, each "
    "file's content once; raw.statement_files holds one row per file with its balance check.",
    retry_policy=INGESTION_RETRY_POLICY,
)
def raw_statement_lines(
    config: StatementLoadConfig, databases: FluxoDatabases
) -> dg.MaterializeResult:  # type: ignore[type-arg]
    with retried_only_if_transient():
        result = load_statements(
            landing_dir(),
            databases.urls().warehouse_dsn,
            max_error_rate=config.max_error_rate,
            full_history_accounts=config.full_history_accounts,
        )
    return dg.MaterializeResult(
        metadata={
            "batch_id": result.batch_id,
            "files_seen": result.files_seen,
            "files_loaded": result.files_loaded,
            "files_skipped": result.files_skipped,
            "files_quarantined": result.files_quarantined,
            "rows_loaded": result.lines_loaded,
            "rows_quarantined": result.lines_quarantined,
            "ledger_balance_mismatches": list(result.balance_mismatches),
        }
    )
