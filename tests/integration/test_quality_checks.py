"""Great Expectations suites as Dagster asset checks, against a real PostgreSQL warehouse.

Each test loads rows the way a load does (one transaction, so one `_loaded_at`) from a small
asset standing in for the real loader, then runs the table's checks in the same Dagster run.
"""

import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg
import psycopg
import pytest

from fluxo.databases import DatabaseUrls
from fluxo.urls import libpq_url
from ingestion.kyc.load import ensure_kyc_tables
from ingestion.ledger.load import ensure_raw_table
from ingestion.ledger.tables import ACCOUNTS, POSTINGS
from ingestion.openfinance.load import ensure_openfinance_tables
from ingestion.statements.load import ensure_statement_tables
from ingestion.warehouse import ensure_raw_schema
from orchestration.defs.quality import quality_checks
from orchestration.defs.quality.checks import FRESHNESS_CHECK, ROW_COUNT_CHECK, VALUES_CHECK
from orchestration.defs.resources import FluxoDatabases
from tests.conftest import create_database, drop_database

Row = dict[str, Any]
SAO_PAULO = ZoneInfo("America/Sao_Paulo")

# Stand-ins for what dbt builds, with the columns the mart checks read.
MARTS_DDL = """
create or replace view staging.stg_ledger__postings as
    select p.*, (p.occurred_at at time zone 'America/Sao_Paulo')::date as business_date
    from raw.ledger_postings p;
create table marts.fct_daily_cash_flow (
    account_id uuid, merchant_id text, account_code text, normal_side text, business_date date,
    currency text, opening_balance_minor bigint, credits_minor bigint, debits_minor bigint,
    net_minor bigint, closing_balance_minor bigint, credit_count integer, debit_count integer
);
create table marts.fct_bank_reconciliation (
    reconciliation_item_id text, status text, merchant_id text, has_known_merchant boolean,
    bank_source text, business_date date, currency text, difference_minor bigint,
    reconciled_at timestamptz
);
"""


@pytest.fixture(scope="module")
def warehouse(admin_url: str, database_urls: DatabaseUrls) -> Iterator[str]:
    """A warehouse of its own, with the raw tables the loaders create: the rows these tests
    corrupt never reach another test's pipeline."""
    url = create_database(admin_url, "test_quality")
    with psycopg.connect(libpq_url(url)) as conn:
        ensure_raw_schema(conn)
        ensure_raw_table(conn, ACCOUNTS)
        ensure_raw_table(conn, POSTINGS)
        ensure_openfinance_tables(conn)
        ensure_statement_tables(conn)
        ensure_kyc_tables(conn)
        conn.execute(MARTS_DDL)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FLUXO_WAREHOUSE_URL", url)
        yield libpq_url(url)
    drop_database(admin_url, url)


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    """One Dagster instance across a test's runs: where the previous validated counts live."""
    with dg.DagsterInstance.ephemeral() as ephemeral:
        yield ephemeral


def checks_of(table: str) -> dg.AssetChecksDefinition:
    return next(c for c in quality_checks if c.node_def.name == f"quality_{table}")


def insert(conn: psycopg.Connection, table: str, rows: Sequence[Row]) -> None:
    for row in rows:
        columns = list(row)
        conn.execute(
            f"insert into {table} ({', '.join(columns)}) values ({', '.join(['%s'] * len(row))})",
            [row[c] for c in columns],
        )


def posting(**changes: Any) -> Row:
    row: Row = {
        "posting_id": uuid.uuid4().int % 10**15,
        "transfer_id": uuid.uuid4(),
        "account_id": uuid.UUID(int=1),
        "direction": "credit",
        "amount_minor": 1_500,
        "balance_after_minor": 1_500,
        "account_version": 1,
        "occurred_at": datetime.now(UTC),
        "posted_at": datetime.now(UTC),
        "_source": "ledger",
        "_batch_id": uuid.uuid4(),
    }
    return {**row, **changes}


def one_batch(rows: list[Row]) -> list[Row]:
    batch_id = uuid.uuid4()
    return [{**row, "_batch_id": batch_id} for row in rows]


def loader(warehouse: str, key: list[str], table: str, rows: Sequence[Row]) -> dg.AssetsDefinition:
    """An asset standing in for the real loader: `rows` land in one transaction."""

    @dg.asset(key=key)
    def load() -> None:
        with psycopg.connect(warehouse) as conn:
            insert(conn, table, rows)

    return load


@dg.asset(deps=[dg.AssetKey(["raw", "ledger_postings"])])
def downstream_of_postings() -> None:
    """Stands in for the dbt models that read the postings."""


def run(
    instance: dg.DagsterInstance,
    assets: Sequence[dg.AssetsDefinition],
    config: dict[str, Any] | None = None,
) -> dg.ExecuteInProcessResult:
    check_ops = {a.node_def.name for a in assets if isinstance(a, dg.AssetChecksDefinition)}
    return dg.materialize(
        assets,
        instance=instance,
        resources={"databases": FluxoDatabases()},
        run_config={"ops": {op: {"config": config} for op in check_ops}} if config else None,
        raise_on_error=False,
    )


def run_checks(
    instance: dg.DagsterInstance, checks: dg.AssetChecksDefinition
) -> dg.ExecuteInProcessResult:
    """The checks alone, as from the UI's "Execute" on a check, with no asset materialized."""
    job = dg.define_asset_job("checks_only", selection=dg.AssetSelection.checks(checks))
    definitions = dg.Definitions(
        assets=[dg.AssetSpec(key) for key in {check.asset_key for check in checks.check_keys}],
        asset_checks=[checks],
        jobs=[job],
        resources={"databases": FluxoDatabases()},
    )
    return definitions.resolve_job_def("checks_only").execute_in_process(
        instance=instance, raise_on_error=False
    )


def evaluation(result: dg.ExecuteInProcessResult, check_name: str) -> Any:
    found = [e for e in result.get_asset_check_evaluations() if e.check_name == check_name]
    assert len(found) == 1, result.get_asset_check_evaluations()
    return found[0]


def metadata(evaluation: Any, name: str) -> Any:
    return evaluation.metadata[name].value


def load_postings(
    warehouse: str, instance: dg.DagsterInstance, rows: list[Row], **config: Any
) -> dg.ExecuteInProcessResult:
    return run(
        instance,
        [
            loader(warehouse, ["raw", "ledger_postings"], "raw.ledger_postings", one_batch(rows)),
            checks_of("ledger_postings"),
            downstream_of_postings,
        ],
        config or None,
    )


def test_ledger_postings_pass_every_check_on_a_good_load(
    warehouse: str, instance: dg.DagsterInstance
) -> None:
    result = load_postings(warehouse, instance, [posting() for _ in range(5)])

    assert result.success
    for check_name in (VALUES_CHECK, FRESHNESS_CHECK, ROW_COUNT_CHECK):
        assert evaluation(result, check_name).passed, check_name
    values = evaluation(result, VALUES_CHECK)
    assert metadata(values, "rows_in_scope") == 5
    assert metadata(values, "failing_row_count") == 0
    assert len(metadata(values, "batch_ids")) == 1
    assert "downstream_of_postings" in {
        e.asset_key.to_user_string() for e in result.get_asset_materialization_events()
    }


@pytest.mark.parametrize(
    ("corruption", "expectation"),
    [
        ({"amount_minor": -1_500}, "expect_column_values_to_be_between(amount_minor)"),
        ({"direction": "sideways"}, "expect_column_values_to_be_in_set(direction)"),
    ],
)
def test_a_corrupted_posting_fails_the_blocking_check_and_stops_the_downstream_asset(
    warehouse: str, instance: dg.DagsterInstance, corruption: Row, expectation: str
) -> None:
    bad = posting(**corruption)
    result = load_postings(warehouse, instance, [posting(), bad, posting()])

    values = evaluation(result, VALUES_CHECK)
    assert not values.passed
    assert values.severity == dg.AssetCheckSeverity.ERROR
    assert metadata(values, "failing_row_count") == 1
    assert metadata(values, "expectations_failed") == [expectation]
    [sample] = metadata(values, "failing_rows_sample")
    assert sample["posting_id"] == bad["posting_id"]
    assert sample["expectation"] == expectation
    # Blocking: the run fails at the check and the asset downstream does not materialize.
    assert not result.success
    assert "downstream_of_postings" not in {
        e.asset_key.to_user_string() for e in result.get_asset_materialization_events()
    }


def test_only_the_latest_load_is_read(warehouse: str, instance: dg.DagsterInstance) -> None:
    load_postings(warehouse, instance, [posting(amount_minor=-1)])
    result = load_postings(warehouse, instance, [posting(), posting()])

    assert result.success
    values = evaluation(result, VALUES_CHECK)
    assert values.passed
    assert metadata(values, "rows_in_scope") == 2


def test_row_count_change_compares_with_the_previous_validated_count(
    warehouse: str, instance: dg.DagsterInstance
) -> None:
    config = {"row_count_min_previous_rows": 10}
    first = load_postings(warehouse, instance, [posting() for _ in range(30)], **config)
    assert evaluation(first, ROW_COUNT_CHECK).passed  # nothing to compare with yet

    second = load_postings(warehouse, instance, [posting() for _ in range(2)], **config)

    change = evaluation(second, ROW_COUNT_CHECK)
    assert not change.passed
    assert change.severity == dg.AssetCheckSeverity.WARN
    assert metadata(change, "baseline_rows") == 30
    assert metadata(change, "rows_in_scope") == 2
    # A warning: the run and the assets downstream go on.
    assert second.success


def test_a_source_not_loaded_for_days_fails_freshness(
    warehouse: str, instance: dg.DagsterInstance
) -> None:
    load_postings(warehouse, instance, [posting()])
    with psycopg.connect(warehouse) as conn:
        # Every load so far happened three days ago, and none since.
        conn.execute("update raw.ledger_postings set _loaded_at = _loaded_at - interval '3 days'")
        newest = conn.execute("select max(_loaded_at) from raw.ledger_postings").fetchone()[0]  # type: ignore[index]

    result = run_checks(instance, checks_of("ledger_postings"))

    freshness = evaluation(result, FRESHNESS_CHECK)
    assert not freshness.passed
    assert freshness.severity == dg.AssetCheckSeverity.WARN
    [observed] = metadata(freshness, "observed")
    assert observed["observed_value"] == newest.isoformat()
    assert evaluation(result, VALUES_CHECK).passed


def openfinance_transaction(**changes: Any) -> Row:
    return {
        "account_id": "acc-1",
        "transaction_id": f"tx-{uuid.uuid4().hex[:12]}",
        "status": "TRANSACAO_EFETIVADA",
        "is_final": True,
        "credit_debit": "CREDITO",
        "transaction_name": "PIX recebido",
        "transaction_type": "PIX",
        "amount_minor": 2_000,
        "signed_amount_minor": 2_000,
        "currency": "BRL",
        "transaction_at": datetime.now(UTC),
        "booking_date": date.today(),
        "partie_document_token": "a" * 64,
        "_source": "openfinance",
        "_batch_id": uuid.uuid4(),
        **changes,
    }


def statement_line(**changes: Any) -> Row:
    return {
        "file_checksum": uuid.uuid4().hex,
        "line_number": 1,
        "trntype": "DEBIT",
        "amount_minor": -4_590,
        "currency": "BRL",
        "posted_at": datetime.now(UTC),
        "posted_date": date.today(),
        "description": "TARIFA",
        "_source": "statements",
        "_batch_id": uuid.uuid4(),
        **changes,
    }


def kyc_cnpj_result(**changes: Any) -> Row:
    return {
        "document_token": uuid.uuid4().hex * 2,
        "document_masked": "**.***.***/0001-**",
        "fetched_date": date.today(),
        "fetched_at": datetime.now(UTC),
        "http_status": 200,
        "result": "found",
        "situacao_cadastral": 2,
        "capital_social": 10_000,
        "payload_sha256": "0" * 64,
        "_source": "kyc",
        "_batch_id": uuid.uuid4(),
        **changes,
    }


RAW_CASES: list[tuple[str, str, Callable[..., Row], Row, str, str]] = [
    (
        "openfinance_transactions",
        "raw.openfinance_transactions",
        openfinance_transaction,
        {"credit_debit": "CREDIT"},
        "expect_column_values_to_be_in_set(credit_debit)",
        "transaction_id",
    ),
    (
        "openfinance_transactions",
        "raw.openfinance_transactions",
        openfinance_transaction,
        {"partie_document_token": "12345678000195"},  # a CNPJ in clear
        "expect_column_values_to_match_regex(partie_document_token)",
        "transaction_id",
    ),
    (
        "statement_lines",
        "raw.statement_lines",
        statement_line,
        {"currency": "R$"},
        "expect_column_values_to_match_regex(currency)",
        "file_checksum",
    ),
    (
        "kyc_cnpj_results",
        "raw.kyc_cnpj_results",
        kyc_cnpj_result,
        {"document_masked": "12.345.678/0001-95"},
        "expect_column_values_to_match_regex(document_masked)",
        "document_token",
    ),
    (
        "kyc_cnpj_results",
        "raw.kyc_cnpj_results",
        kyc_cnpj_result,
        {"situacao_cadastral": 5},
        "expect_column_values_to_be_in_set(situacao_cadastral)",
        "document_token",
    ),
]


@pytest.mark.parametrize(
    ("suite", "table", "make_row", "corruption", "expectation", "key"),
    RAW_CASES,
    ids=[f"{case[0]}-{case[4]}" for case in RAW_CASES],
)
def test_each_raw_suite_passes_good_rows_and_names_a_corrupted_one(
    warehouse: str,
    instance: dg.DagsterInstance,
    suite: str,
    table: str,
    make_row: Callable[..., Row],
    corruption: Row,
    expectation: str,
    key: str,
) -> None:
    key_path = table.split(".")
    good = run(
        instance, [loader(warehouse, key_path, table, [make_row(), make_row()]), checks_of(suite)]
    )
    assert good.success
    assert all(e.passed for e in good.get_asset_check_evaluations())

    bad_row = make_row(**corruption)
    bad = run(
        instance, [loader(warehouse, key_path, table, [make_row(), bad_row]), checks_of(suite)]
    )

    values = evaluation(bad, VALUES_CHECK)
    assert not values.passed
    assert metadata(values, "expectations_failed") == [expectation]
    [sample] = metadata(values, "failing_rows_sample")
    assert sample[key] == str(bad_row[key])


def cash_flow_day(account_id: uuid.UUID, business_date: date, **changes: Any) -> Row:
    return {
        "account_id": account_id,
        "merchant_id": "loja",
        "account_code": "cash",
        "normal_side": "debit",
        "business_date": business_date,
        "currency": "BRL",
        "opening_balance_minor": 0,
        "credits_minor": 1_500,
        "debits_minor": 0,
        "net_minor": 1_500,
        "closing_balance_minor": 1_500,
        "credit_count": 1,
        "debit_count": 0,
        **changes,
    }


def test_cash_flow_mart_is_checked_on_the_days_the_latest_postings_touched(
    warehouse: str, instance: dg.DagsterInstance
) -> None:
    account_id = uuid.uuid4()
    today = datetime.now(SAO_PAULO).date()
    with psycopg.connect(warehouse) as conn:
        insert(conn, "raw.ledger_accounts", [{
            "account_id": account_id, "tenant_id": "loja", "code": "cash", "name": "Caixa",
            "currency": "BRL", "account_type": "asset", "normal_side": "debit",
            "balance_policy": "never_negative", "overdraft_limit_minor": 0,
            "created_at": datetime.now(UTC), "_source": "ledger", "_batch_id": uuid.uuid4(),
        }])  # fmt: skip
        # An old day, not rebuilt by the latest load, whose bad row the check must not read.
        insert(conn, "marts.fct_daily_cash_flow", [
            cash_flow_day(account_id, date(2020, 1, 1), merchant_id=None),
            cash_flow_day(account_id, date(2020, 1, 2)),
        ])  # fmt: skip
    yesterday = datetime.now(UTC) - timedelta(days=1)
    postings = [posting(account_id=account_id, occurred_at=yesterday)]
    built_days = [
        cash_flow_day(account_id, yesterday.astimezone(SAO_PAULO).date()),
        cash_flow_day(account_id, today),
    ]

    @dg.asset(key=["marts", "fct_daily_cash_flow"], deps=[dg.AssetKey(["raw", "ledger_postings"])])
    def cash_flow() -> None:
        with psycopg.connect(warehouse) as conn:
            insert(conn, "marts.fct_daily_cash_flow", built_days)

    load = loader(warehouse, ["raw", "ledger_postings"], "raw.ledger_postings", postings)
    good = run(instance, [load, cash_flow, checks_of("fct_daily_cash_flow")])
    values = evaluation(good, VALUES_CHECK)
    assert values.passed, metadata(values, "observed")
    assert metadata(values, "rows_in_scope") >= 2
    assert "2020-01-01" not in str(metadata(values, "failing_rows_sample"))
    assert evaluation(good, FRESHNESS_CHECK).passed

    with psycopg.connect(warehouse) as conn:
        conn.execute(
            "update marts.fct_daily_cash_flow set debits_minor = -1"
            " where account_id = %s and business_date = %s",
            (account_id, today),
        )
    again = run_checks(instance, checks_of("fct_daily_cash_flow"))
    values = evaluation(again, VALUES_CHECK)
    assert not values.passed
    [sample] = metadata(values, "failing_rows_sample")
    assert sample == {
        "expectation": "expect_column_values_to_be_between(debits_minor)",
        "account_id": str(account_id),
        "business_date": today.isoformat(),
        "debits_minor": -1,
    }


def test_a_matched_reconciliation_item_with_a_difference_fails(
    warehouse: str, instance: dg.DagsterInstance
) -> None:
    """Only the items the latest run matched are read: an earlier run's are not checked again."""
    today = datetime.now(SAO_PAULO).date()
    latest_run = datetime.now(UTC)

    def item(status: str, difference: int, reconciled_at: datetime = latest_run) -> Row:
        return {
            "reconciliation_item_id": uuid.uuid4().hex, "status": status, "merchant_id": "loja",
            "has_known_merchant": True, "bank_source": "openfinance", "business_date": today,
            "currency": "BRL", "difference_minor": difference, "reconciled_at": reconciled_at,
        }  # fmt: skip

    bad = item("matched", 1)
    earlier_run_bad = item("matched", 2, reconciled_at=latest_run - timedelta(days=1))
    with psycopg.connect(warehouse) as conn:
        insert(conn, "raw.ledger_postings", [posting()])
        insert(
            conn,
            "marts.fct_bank_reconciliation",
            [item("matched", 0), item("amount_mismatch", 1), bad, earlier_run_bad],
        )

    result = run_checks(instance, checks_of("fct_bank_reconciliation"))

    values = evaluation(result, VALUES_CHECK)
    assert not values.passed
    assert metadata(values, "rows_in_scope") == 3
    [sample] = metadata(values, "failing_rows_sample")
    assert sample["reconciliation_item_id"] == bad["reconciliation_item_id"]


def test_one_odd_load_does_not_make_the_next_ordinary_one_warn(
    warehouse: str, instance: dg.DagsterInstance
) -> None:
    config = {"row_count_min_previous_rows": 10}
    for size in (30, 32, 400):  # the latest load is the odd one
        load_postings(warehouse, instance, [posting() for _ in range(size)], **config)

    ordinary = load_postings(warehouse, instance, [posting() for _ in range(31)], **config)

    # Against the latest load alone (400, so at least 40 rows) it would warn.
    change = evaluation(ordinary, ROW_COUNT_CHECK)
    assert change.passed
    assert metadata(change, "baseline_rows") == 32
    assert metadata(change, "baseline_loads") == 3
