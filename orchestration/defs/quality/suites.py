"""The Great Expectations suites, as code: what each raw source and key mart must satisfy.

Each table has critical expectations (completeness, ranges, allowed values; a failure blocks the
assets downstream) and a freshness expectation; the row-count change is built at run time from
the median count of the previous loads (see history.py). Great Expectations is imported only when
a suite is built, so loading the Dagster definitions does not pay for it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import dagster as dg
import psycopg

from ingestion.business_day import business_today
from ingestion.kyc.client import KycSettings
from orchestration.defs.quality import scopes

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

CURRENCY_CODE = r"^[A-Z]{3}$"
# documents.tokenize: HMAC-SHA256 in hex. Anything else in a token column is a document in clear.
DOCUMENT_TOKEN = r"^[0-9a-f]{64}$"
# documents.mask_document: a CNPJ shows only its branch number; anything unreadable is all stars.
MASKED_CNPJ = r"^(?:\*\*\.\*\*\*\.\*\*\*/[0-9A-Z]{4}-\*\*|\*+)$"

OPENFINANCE_TRANSACTION_TYPES = (
    "TED",
    "DOC",
    "PIX",
    "TRANSFERENCIA_MESMA_INSTITUICAO",
    "BOLETO",
    "CONVENIO_ARRECADACAO",
    "PACOTE_TARIFA_SERVICOS",
    "TARIFA_SERVICOS_AVULSOS",
    "FOLHA_PAGAMENTO",
    "DEPOSITO",
    "SAQUE",
    "CARTAO",
    "ENCARGOS_JUROS_CHEQUE_ESPECIAL",
    "RENDIMENTO_APLIC_FINANCEIRA",
    "PORTABILIDADE_SALARIO",
    "RESGATE_APLIC_FINANCEIRA",
    "OPERACAO_CREDITO",
    "OUTROS",
    "TRANSFERENCIA_SALDO_RESERVADO",
)
# OFX 1.x/2.x TRNTYPE values; the CSV parser writes CREDIT, DEBIT or OTHER.
OFX_TRANSACTION_TYPES = (
    "CREDIT",
    "DEBIT",
    "INT",
    "DIV",
    "FEE",
    "SRVCHG",
    "DEP",
    "ATM",
    "POS",
    "XFER",
    "CHECK",
    "PAYMENT",
    "CASH",
    "DIRECTDEP",
    "DIRECTDEBIT",
    "REPEATPMT",
    "HOLD",
    "OTHER",
)
RECONCILIATION_STATUSES = (
    "matched",
    "only_in_ledger",
    "only_in_bank",
    "amount_mismatch",
    "date_mismatch",
)
BANK_SOURCES = ("openfinance", "statement_file")

# Daily loads: a day and a couple of hours of slack before the newest load counts as stale.
DAILY = timedelta(hours=26)

ScopeReader = Callable[[psycopg.Connection, tuple[str, ...]], scopes.Scope]


@dataclass(frozen=True)
class TableSuite:
    """The checks of one table: which rows they read and what those rows must satisfy."""

    name: str
    asset_key: dg.AssetKey
    key_columns: tuple[str, ...]  # identify a failing row in the sample
    read_scope: ScopeReader
    critical: Callable[[], list[Expectation]]
    # None: the table has no freshness of its own (it is as fresh as the marts it derives from).
    freshness: Callable[[timedelta], list[Expectation]] | None = None
    # How old the newest row may be: read when the checks run, since a setting may decide it.
    freshness_max_age: Callable[[], timedelta] = lambda: DAILY

    def freshness_expectations(self) -> list[Expectation]:
        return self.freshness(self.freshness_max_age()) if self.freshness else []

    def columns(self) -> tuple[str, ...]:
        """The columns the suites look at, read once for all of them."""
        named = [*self.key_columns]
        for expectation in [*self.critical(), *self.freshness_expectations()]:
            column = getattr(expectation, "column", None)
            if column and column not in named:
                named.append(column)
        return tuple(named)


def _not_null(*columns: str) -> list[Expectation]:
    import great_expectations as gx

    return [gx.expectations.ExpectColumnValuesToNotBeNull(column=c) for c in columns]


def _kyc_rescreening_period() -> timedelta:
    """A company is looked up again only when new, changed or due for re-screening: with none
    of those, the newest answer may be a re-screening period old (FLUXO_KYC_RESCREEN_AFTER_DAYS),
    and a day."""
    return timedelta(days=KycSettings().rescreen_after_days) + DAILY


def _newest_load_within(max_age: timedelta) -> list[Expectation]:
    import great_expectations as gx

    return [
        gx.expectations.ExpectColumnMaxToBeBetween(
            column="_loaded_at", min_value=datetime.now(UTC) - max_age
        )
    ]


def _latest_load_of(table: str, stamp: str = "_loaded_at") -> ScopeReader:
    def read(conn: psycopg.Connection, columns: tuple[str, ...]) -> scopes.Scope:
        return scopes.latest_load(conn, table, columns, stamp)

    return read


def _rebuilt_days_of(
    mart: str, sources: tuple[tuple[str, str, str], ...], *, per_account: bool = False
) -> ScopeReader:
    def read(conn: psycopg.Connection, columns: tuple[str, ...]) -> scopes.Scope:
        return scopes.rebuilt_days(conn, mart, columns, sources, per_account=per_account)

    return read


def _ledger_postings() -> list[Expectation]:
    import great_expectations as gx

    return [
        *_not_null(
            "posting_id",
            "transfer_id",
            "account_id",
            "direction",
            "amount_minor",
            "balance_after_minor",
            "account_version",
            "occurred_at",
            "posted_at",
            "_batch_id",
        ),
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="direction", value_set=["debit", "credit"]
        ),
        # A posting moves a positive amount; its direction carries the sign.
        gx.expectations.ExpectColumnValuesToBeBetween(column="amount_minor", min_value=1),
        gx.expectations.ExpectColumnValuesToBeBetween(column="account_version", min_value=1),
    ]


def _openfinance_transactions() -> list[Expectation]:
    import great_expectations as gx

    return [
        *_not_null(
            "account_id",
            "transaction_id",
            "status",
            "is_final",
            "credit_debit",
            "transaction_type",
            "amount_minor",
            "signed_amount_minor",
            "currency",
            "transaction_at",
            "booking_date",
            "_batch_id",
        ),
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="status",
            value_set=["TRANSACAO_EFETIVADA", "LANCAMENTO_FUTURO", "TRANSACAO_PROCESSANDO"],
        ),
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="credit_debit", value_set=["CREDITO", "DEBITO"]
        ),
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="transaction_type", value_set=list(OPENFINANCE_TRANSACTION_TYPES)
        ),
        # Unsigned in the API: creditDebitType carries the direction.
        gx.expectations.ExpectColumnValuesToBeBetween(column="amount_minor", min_value=0),
        gx.expectations.ExpectColumnValuesToMatchRegex(column="currency", regex=CURRENCY_CODE),
        gx.expectations.ExpectColumnValuesToMatchRegex(
            column="partie_document_token", regex=DOCUMENT_TOKEN
        ),
    ]


def _statement_lines() -> list[Expectation]:
    import great_expectations as gx

    return [
        *_not_null(
            "file_checksum",
            "line_number",
            "trntype",
            "amount_minor",
            "currency",
            "posted_at",
            "posted_date",
            "description",
            "_batch_id",
        ),
        gx.expectations.ExpectColumnValuesToBeBetween(column="line_number", min_value=1),
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="trntype", value_set=list(OFX_TRANSACTION_TYPES)
        ),
        gx.expectations.ExpectColumnValuesToMatchRegex(column="currency", regex=CURRENCY_CODE),
    ]


def _kyc_cnpj_results() -> list[Expectation]:
    import great_expectations as gx

    return [
        *_not_null(
            "document_token",
            "document_masked",
            "fetched_date",
            "fetched_at",
            "http_status",
            "result",
            "payload_sha256",
            "_batch_id",
        ),
        gx.expectations.ExpectColumnValuesToMatchRegex(
            column="document_token", regex=DOCUMENT_TOKEN
        ),
        gx.expectations.ExpectColumnValuesToMatchRegex(column="document_masked", regex=MASKED_CNPJ),
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="http_status", value_set=[200, 400, 404]
        ),
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="result", value_set=["found", "not_found", "rejected_by_provider"]
        ),
        # Receita's situação cadastral: 1 NULA, 2 ATIVA, 3 SUSPENSA, 4 INAPTA, 8 BAIXADA.
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="situacao_cadastral", value_set=[1, 2, 3, 4, 8]
        ),
        gx.expectations.ExpectColumnValuesToBeBetween(column="capital_social", min_value=0),
    ]


def _daily_cash_flow() -> list[Expectation]:
    import great_expectations as gx

    return [
        *_not_null(
            "account_id",
            "merchant_id",
            "account_code",
            "normal_side",
            "business_date",
            "currency",
            "opening_balance_minor",
            "credits_minor",
            "debits_minor",
            "net_minor",
            "closing_balance_minor",
            "credit_count",
            "debit_count",
        ),
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="normal_side", value_set=["debit", "credit"]
        ),
        gx.expectations.ExpectColumnValuesToMatchRegex(column="currency", regex=CURRENCY_CODE),
        *[
            gx.expectations.ExpectColumnValuesToBeBetween(column=column, min_value=0)
            for column in ("credits_minor", "debits_minor", "credit_count", "debit_count")
        ],
    ]


def _cash_flow_built_through(max_age: timedelta) -> list[Expectation]:
    """The mart is built through today (São Paulo): its newest day is at most `max_age` old."""
    import great_expectations as gx

    return [
        gx.expectations.ExpectColumnMaxToBeBetween(
            column="business_date", min_value=business_today() - max_age
        )
    ]


def _bank_reconciliation() -> list[Expectation]:
    import great_expectations as gx

    return [
        *_not_null(
            "reconciliation_item_id",
            "status",
            "has_known_merchant",
            "business_date",
            "currency",
            "difference_minor",
        ),
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="status", value_set=list(RECONCILIATION_STATUSES)
        ),
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="bank_source", value_set=list(BANK_SOURCES)
        ),
        # Same amount on both sides is what makes a pair matched or a date_mismatch.
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="difference_minor",
            min_value=0,
            max_value=0,
            row_condition='status in ["matched", "date_mismatch"]',
            condition_parser="pandas",
        ),
    ]


def _daily_reconciliation() -> list[Expectation]:
    import great_expectations as gx

    return [
        *_not_null(
            "bank_source",
            "bank_account_id",
            "business_date",
            "has_known_merchant",
            "currency",
            "ledger_closing_balance_minor",
            "has_bank_balance",
            "explained_difference_minor",
            "matched_item_count",
            "exception_item_count",
        ),
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="bank_source", value_set=list(BANK_SOURCES)
        ),
        gx.expectations.ExpectColumnValuesToBeBetween(column="matched_item_count", min_value=0),
        gx.expectations.ExpectColumnValuesToBeBetween(column="exception_item_count", min_value=0),
    ]


BANK_SOURCE_DAYS = (scopes.LEDGER_POSTING_DAYS, scopes.OPENFINANCE_DAYS, scopes.STATEMENT_DAYS)

SUITES: tuple[TableSuite, ...] = (
    TableSuite(
        name="ledger_postings",
        asset_key=dg.AssetKey(["raw", "ledger_postings"]),
        key_columns=("posting_id",),
        read_scope=_latest_load_of("raw.ledger_postings"),
        critical=_ledger_postings,
        freshness=_newest_load_within,
        freshness_max_age=lambda: DAILY,
    ),
    TableSuite(
        name="openfinance_transactions",
        asset_key=dg.AssetKey(["raw", "openfinance_transactions"]),
        key_columns=("account_id", "transaction_id", "_sequence"),
        read_scope=_latest_load_of("raw.openfinance_transactions"),
        critical=_openfinance_transactions,
        freshness=_newest_load_within,
        freshness_max_age=lambda: DAILY,
    ),
    TableSuite(
        name="statement_lines",
        asset_key=dg.AssetKey(["raw", "statement_lines"]),
        key_columns=("file_checksum", "line_number"),
        read_scope=_latest_load_of("raw.statement_lines"),
        critical=_statement_lines,
        freshness=_newest_load_within,
        # Banks' statement files arrive when the bank sends them, not on a schedule of ours.
        freshness_max_age=lambda: timedelta(days=7),
    ),
    TableSuite(
        name="kyc_cnpj_results",
        asset_key=dg.AssetKey(["raw", "kyc_cnpj_results"]),
        key_columns=("document_token", "fetched_date"),
        read_scope=_latest_load_of("raw.kyc_cnpj_results"),
        critical=_kyc_cnpj_results,
        freshness=_newest_load_within,
        freshness_max_age=_kyc_rescreening_period,
    ),
    TableSuite(
        name="fct_daily_cash_flow",
        asset_key=dg.AssetKey(["marts", "fct_daily_cash_flow"]),
        key_columns=("account_id", "business_date"),
        read_scope=_rebuilt_days_of(
            "marts.fct_daily_cash_flow", (scopes.LEDGER_POSTING_DAYS,), per_account=True
        ),
        critical=_daily_cash_flow,
        freshness=_cash_flow_built_through,
        freshness_max_age=lambda: timedelta(days=1),
    ),
    TableSuite(
        name="fct_bank_reconciliation",
        asset_key=dg.AssetKey(["marts", "fct_bank_reconciliation"]),
        key_columns=("reconciliation_item_id",),
        # The items the latest run matched (whole components of items around what is new), not
        # the days the latest loads touched: those reach back to the first day of the latest
        # Open Finance load, which stays the latest while no new transaction arrives (at the
        # 10M bench, two months: 565,149 items, 1.2 s a day to read them, a count that grows
        # with the history).
        read_scope=_latest_load_of("marts.fct_bank_reconciliation", stamp="reconciled_at"),
        critical=_bank_reconciliation,
    ),
    TableSuite(
        name="fct_daily_reconciliation",
        asset_key=dg.AssetKey(["marts", "fct_daily_reconciliation"]),
        key_columns=("bank_source", "bank_account_id", "business_date"),
        read_scope=_rebuilt_days_of("marts.fct_daily_reconciliation", BANK_SOURCE_DAYS),
        critical=_daily_reconciliation,
    ),
)


@dataclass(frozen=True)
class RowCountChange:
    """How far a scope's row count may move from the previous loads' median: loads of a daily
    source vary (weekends, month ends) but not by an order of magnitude."""

    min_ratio: float
    max_ratio: float
    # Below this many rows the previous count says too little to compare with (a first load of a
    # few rows, a quiet re-run).
    min_previous_rows: int

    def expectations(self, previous_rows: int | None) -> list[Expectation]:
        import great_expectations as gx

        if previous_rows is None or previous_rows < self.min_previous_rows:
            # Nothing to compare with: the count is still observed and recorded for next time.
            return [gx.expectations.ExpectTableRowCountToBeBetween(min_value=0)]
        return [
            gx.expectations.ExpectTableRowCountToBeBetween(
                min_value=math.ceil(previous_rows * self.min_ratio),
                max_value=math.floor(previous_rows * self.max_ratio),
            )
        ]
