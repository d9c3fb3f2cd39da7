"""API -> ledger -> Dagster (raw load, dbt build, checks) -> mart -> Streamlit page."""

import json
import os
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
from dagster import DagsterEventType, DagsterInstance
from dagster_dbt import DbtCliResource
from fastapi.testclient import TestClient
from psycopg import sql
from sqlalchemy.orm import Session, sessionmaker

from core_ledger.api.app import create_app
from core_ledger.services.projector import project_pending
from dashboards.components.formatting import format_brl
from dashboards.users import DashboardRole
from fluxo import pipeline
from fluxo.databases import DatabaseUrls
from fluxo.demo_onboarding import demo_customer_profiles
from fluxo.servers import REPO_ROOT
from orchestration.defs.dbt.coverage import declared_unit_tests, unexecuted_tests
from orchestration.defs.dbt.project import DBT_EXECUTABLE, dbt_project
from orchestration.defs.finance.checks import check_closing_balance_matches_ledger
from orchestration.defs.openfinance.assets import TRANSACTIONS_KEY
from orchestration.defs.resources import FluxoDatabases
from tests.dashboard_app import log_in

SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def aml_alerts(warehouse_dsn: str) -> list[tuple[object, ...]]:
    with psycopg.connect(warehouse_dsn) as conn:
        return conn.execute(
            "select alert_id, first_detected_at from marts.fct_aml_alerts order by alert_id"
        ).fetchall()


def run_pipeline() -> pipeline.PipelineSummary:
    return pipeline.materialize_all(Path(os.environ["FLUXO_HOME"]) / "logs" / "pipeline.log")


def raw_row_counts(warehouse_dsn: str) -> dict[str, int]:
    with psycopg.connect(warehouse_dsn) as conn:
        tables = conn.execute(
            "select table_name from information_schema.tables"
            " where table_schema = 'raw' and table_type = 'BASE TABLE' order by table_name"
        ).fetchall()
        return {
            name: conn.execute(
                sql.SQL("select count(*) from {}").format(sql.Identifier("raw", name))
            ).fetchone()[0]  # type: ignore[index]
            for (name,) in tables
        }


def test_pipeline_materializes_every_asset_and_passes_its_checks(
    pipeline_run: pipeline.PipelineSummary,
) -> None:
    assert pipeline_run.success, pipeline_run
    assert {
        "raw/ledger_entries",
        "raw/ledger_merchants",
        "raw/ledger_postings",
        "raw/statement_lines",
        "raw/openfinance_accounts",
        "raw/openfinance_balances",
        "raw/openfinance_transactions",
        "raw/kyc_cnpj_results",
        "raw/kyc_cpf_results",
        "raw/kyc_pep_register",
        "raw/onboarding_customers",
        "raw/ledger_audit_log",
        "marts/fct_daily_cash_flow",
        "marts/dim_merchants",
        "marts/dim_customers_kyc",
        "marts/fct_audit_trail",
    } <= set(pipeline_run.assets_materialized)
    assert pipeline_run.checks_failed == []
    # dbt tests on the models plus the ledger reconciliation check
    assert pipeline_run.checks_passed >= 15


def test_every_contracted_not_null_column_is_not_null_in_the_warehouse(
    pipeline_run: pipeline.PipelineSummary, database_urls: DatabaseUrls
) -> None:
    # dbt_project/macros/create_table_as.sql builds contracted tables with `create table as`
    # and adds their not-null constraints after the load.
    manifest = json.loads(dbt_project().manifest_path.read_text())
    declared = {
        (node["schema"], node["alias"], column["name"])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"]["contract"]["enforced"]
        for column in node["columns"].values()
        if any(constraint["type"] == "not_null" for constraint in column["constraints"])
    }
    with psycopg.connect(database_urls.warehouse_dsn) as conn:
        not_null = set(
            conn.execute(
                "select table_schema, table_name, column_name from information_schema.columns"
                " where table_schema = 'marts' and is_nullable = 'NO'"
            ).fetchall()
        )
    assert len(declared) > 40
    assert declared <= not_null, declared - not_null


def test_every_table_the_build_made_was_analyzed_by_the_build(
    pipeline_run: pipeline.PipelineSummary, warehouse_conn: psycopg.Connection
) -> None:
    # dbt_project/macros/analyze_after_build.sql: the models and tests of the same build are
    # planned with statistics. analyze_count counts ANALYZE commands only, not autovacuum's.
    manifest = json.loads(dbt_project().manifest_path.read_text())
    tables = {
        (node["schema"], node["alias"])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["config"]["materialized"] in ("table", "incremental")
    }
    analyzed = set(
        warehouse_conn.execute(
            "select schemaname, relname from pg_stat_user_tables where analyze_count > 0"
        ).fetchall()
    )
    assert len(tables) > 10
    assert tables <= analyzed, tables - analyzed


def _indexes_on(conn: psycopg.Connection, relation: str, column: str) -> list[str]:
    """The indexes of the relation whose only column is `column`."""
    rows = conn.execute(
        "select index.indexrelid::regclass::text from pg_index as index"
        " join pg_attribute as attribute on attribute.attrelid = index.indrelid"
        " where index.indrelid = %s::regclass and attribute.attname = %s"
        " and index.indkey::text = attribute.attnum::text",
        (relation, column),
    ).fetchall()
    return [name for (name,) in rows]


def test_every_dbt_unit_test_runs_and_passes(
    pipeline_run: pipeline.PipelineSummary, tmp_path: Path
) -> None:
    """The daily build leaves the unit tests out (orchestration/defs/dbt/assets.py); here each
    one runs, against the warehouse the pipeline built (dbt reads the models' columns there)."""
    dbt = DbtCliResource(project_dir=dbt_project(), dbt_executable=DBT_EXECUTABLE)
    invocation = dbt.cli(
        ["test", "--select", "test_type:unit"], target_path=tmp_path, raise_on_error=False
    ).wait()
    run_results = invocation.get_artifact("run_results.json")
    declared = declared_unit_tests(invocation.get_artifact("manifest.json"))

    assert len(declared) >= 29  # the unit tests the project declares today
    assert unexecuted_tests(declared, run_results) == []
    assert [
        result["unique_id"] for result in run_results["results"] if result["status"] != "pass"
    ] == []


def test_a_warehouse_built_before_an_index_change_gets_the_configured_indexes(
    pipeline_run: pipeline.PipelineSummary, warehouse_conn: psycopg.Connection, tmp_path: Path
) -> None:
    """dbt creates a model's configured indexes only with its table; the post-hook
    sync_configured_indexes adds one an incremental table lacks and drops one its config no
    longer lists, as an upgrade needs."""
    (index,) = _indexes_on(warehouse_conn, "marts.fct_daily_cash_flow", "postings_loaded_at")
    warehouse_conn.execute(sql.SQL("drop index {}").format(sql.SQL(index)))
    warehouse_conn.execute(
        "create index cash_flow_by_currency on marts.fct_daily_cash_flow (currency)"
    )

    dbt = DbtCliResource(project_dir=dbt_project(), dbt_executable=DBT_EXECUTABLE)
    dbt.cli(
        ["run", "--select", "fct_daily_cash_flow"], target_path=tmp_path, raise_on_error=True
    ).wait()

    assert len(_indexes_on(warehouse_conn, "marts.fct_daily_cash_flow", "postings_loaded_at")) == 1
    assert _indexes_on(warehouse_conn, "marts.fct_daily_cash_flow", "currency") == []


def test_materializing_every_asset_again_adds_no_row(
    pipeline_run: pipeline.PipelineSummary, database_urls: DatabaseUrls
) -> None:
    before = raw_row_counts(database_urls.warehouse_dsn)
    alerts_before = aml_alerts(database_urls.warehouse_dsn)
    again = run_pipeline()

    assert again.success, again
    assert set(again.assets_materialized) == set(pipeline_run.assets_materialized)
    assert raw_row_counts(database_urls.warehouse_dsn) == before
    # The same alerts, each still dated by its first detection.
    assert alerts_before and aml_alerts(database_urls.warehouse_dsn) == alerts_before
    # Every source landed something, so "unchanged" means something.
    for table in (
        "ledger_postings",
        "statement_lines",
        "openfinance_transactions",
        "kyc_cnpj_results",
        "kyc_cpf_results",
        "kyc_documents_restricted",
        "kyc_pep_register",
        "onboarding_customers",
        "ledger_audit_log",
        "_quarantine",
    ):
        assert before[table] > 0, table


def test_compliance_marts_carry_the_demo_cases(
    pipeline_run: pipeline.PipelineSummary,
    warehouse_conn: psycopg.Connection,
    ledger_conn: psycopg.Connection,
) -> None:
    customers = {
        row[0]: row[1:]
        for row in warehouse_conn.execute(
            "select customer_id, kyc_status, is_politically_exposed, has_shared_contact,"
            " risk_rating from marts.dim_customers_kyc"
        ).fetchall()
    }
    assert set(customers) == {p.customer_id for p in demo_customer_profiles()}
    assert customers["padaria-pao-dourado"] == ("ok", False, False, "low")
    assert customers["moda-bella-boutique"] == ("cnae_mismatch", False, False, "medium")
    assert customers["restaurante-sabor-mineiro"] == ("not_active", False, False, "high")
    assert customers["cliente-desconhecido"][0] == "not_found"
    assert customers["cliente-elisa"] == ("ok", True, False, "high")
    # Companies still onboarding: the registry does not know one; the provider refuses the other's
    # alphanumeric CNPJ.
    assert customers["distribuidora-sem-registro"][0] == "not_found"
    assert customers["startup-cnpj-alfanumerico"] == ("invalid_document", False, False, "high")
    # The same phone, typed two ways by two unrelated customers.
    assert customers["oficina-auto-center-sul"][2] and customers["cliente-bruno"][2]

    trail = warehouse_conn.execute(
        "select count(*), max(seq), bool_and(links_to_previous),"
        " count(*) filter (where action = 'customer.onboarded')"
        " from marts.fct_audit_trail"
    ).fetchone()
    head = ledger_conn.execute("select seq from ledger.audit_chain_head").fetchone()
    assert head is not None and trail == (head[0], head[0], True, len(customers))


def test_mart_has_each_business_day_to_the_centavo(
    pipeline_run: pipeline.PipelineSummary,
    merchant_with_history: tuple[str, date, int],
    warehouse_conn: psycopg.Connection,
) -> None:
    merchant_id, first_day, final_balance = merchant_with_history
    rows = warehouse_conn.execute(
        "select business_date, opening_balance_minor, credits_minor, debits_minor,"
        " closing_balance_minor from marts.fct_daily_cash_flow"
        " where merchant_id = %s and account_code = 'cash' order by business_date",
        (merchant_id,),
    ).fetchall()
    day = lambda n: first_day + timedelta(days=n)  # noqa: E731
    assert rows[:4] == [
        (day(0), 0, 150_000, 32_045, 117_955),
        (day(1), 117_955, 0, 0, 117_955),
        (day(2), 117_955, 8_990, 0, 126_945),
        (day(3), 126_945, 0, 1, 126_944),
    ]
    # Carried through to today, São Paulo time.
    assert rows[-1][0] == datetime.now(SAO_PAULO).date()
    assert rows[-1][4] == final_balance


def test_mart_agrees_with_the_ledger_api(
    pipeline_run: pipeline.PipelineSummary,
    merchant_with_history: tuple[str, date, int],
    warehouse_conn: psycopg.Connection,
    ledger_sessions: sessionmaker[Session],
    issue_key: Callable[..., str],
) -> None:
    merchant_id, first_day, _ = merchant_with_history
    last_day = first_day + timedelta(days=4)
    project_pending(ledger_sessions)
    with TestClient(create_app(), headers={"X-API-Key": issue_key("auditor")}) as api:
        days = api.get(
            f"/v1/merchants/{merchant_id}/daily-balances",
            params={"from": first_day.isoformat(), "to": last_day.isoformat()},
        ).json()["days"]
    mart = warehouse_conn.execute(
        "select business_date, closing_balance_minor from marts.fct_daily_cash_flow"
        " where merchant_id = %s and account_code = 'cash' and business_date between %s and %s"
        " order by business_date",
        (merchant_id, first_day, last_day),
    ).fetchall()
    assert [(date.fromisoformat(d["date"]), d["closing_balance"]) for d in days] == [
        (business_date, f"{closing // 100}.{closing % 100:02d}") for business_date, closing in mart
    ]


def test_reconciliation_check_fails_when_the_mart_drifts(
    pipeline_run: pipeline.PipelineSummary,
    merchant_with_history: tuple[str, date, int],
    warehouse_conn: psycopg.Connection,
) -> None:
    merchant_id, _, _ = merchant_with_history
    assert check_closing_balance_matches_ledger(databases=FluxoDatabases()).passed
    latest = "(select max(business_date) from marts.fct_daily_cash_flow where merchant_id = %s)"
    cash_on_latest = f"merchant_id = %s and account_code = 'cash' and business_date = {latest}"
    warehouse_conn.execute(
        "update marts.fct_daily_cash_flow set closing_balance_minor = closing_balance_minor + 1"
        f" where {cash_on_latest}",
        (merchant_id, merchant_id),
    )
    try:
        result = check_closing_balance_matches_ledger(databases=FluxoDatabases())
        assert not result.passed
        assert merchant_id in str(result.metadata["mismatches"].value)
    finally:
        warehouse_conn.execute(
            "update marts.fct_daily_cash_flow set closing_balance_minor = closing_balance_minor - 1"
            f" where {cash_on_latest}",
            (merchant_id, merchant_id),
        )


def test_dashboard_shows_the_closing_balance(
    pipeline_run: pipeline.PipelineSummary,
    merchant_with_history: tuple[str, date, int],
    dashboard_users: dict[DashboardRole, str],
) -> None:
    merchant_id, _, final_balance = merchant_with_history
    page = log_in(dashboard_users[DashboardRole.finance])
    chooser = page.selectbox(key="merchant")
    assert "Padaria Central" in chooser.options  # shown by name, chosen by id
    chooser.set_value(merchant_id).run()
    assert not page.exception
    metrics = {metric.label: metric.value for metric in page.metric}
    assert metrics["Saldo final"] == format_brl(final_balance) == "R$ 1.269,44"
    assert metrics["Entradas"] == format_brl(150_000 + 8_990)
    table = page.dataframe[0].value
    assert table["Saldo final"].iloc[-1] == "R$ 1.269,44"


def test_a_backdated_entry_is_consolidated_by_the_next_run(
    pipeline_run: pipeline.PipelineSummary,
    merchant_with_history: tuple[str, date, int],
    warehouse_conn: psycopg.Connection,
    issue_key: Callable[..., str],
) -> None:
    """The incremental mart recomputes from the day a late posting lands on, not from scratch."""
    merchant_id, first_day, final_balance = merchant_with_history
    untouched_day = first_day
    backdated_day = first_day + timedelta(days=1)
    cash_days = (
        "select business_date, opening_balance_minor, debits_minor, closing_balance_minor"
        " from marts.fct_daily_cash_flow where merchant_id = %s and account_code = 'cash'"
        " order by business_date"
    )
    before = warehouse_conn.execute(cash_days, (merchant_id,)).fetchall()
    with TestClient(create_app(), headers={"X-API-Key": issue_key("operator")}) as api:
        response = api.post(
            f"/v1/merchants/{merchant_id}/entries",
            json={
                "type": "debit",
                "amount": "10.00",
                "occurred_at": datetime.combine(
                    backdated_day, datetime.min.time().replace(hour=12), SAO_PAULO
                ).isoformat(),
                "description": "tarifa lançada com atraso",
                "category": "tarifas_bancarias",
            },
        )
        assert response.status_code == 201, response.text

    again = run_pipeline()

    assert again.success and again.checks_failed == [], again
    after = warehouse_conn.execute(cash_days, (merchant_id,)).fetchall()
    assert len(after) == len(before)
    assert after[0] == before[0] and after[0][0] == untouched_day
    assert after[1][0] == backdated_day and after[1][2] == before[1][2] + 1_000
    assert [row[3] for row in after[1:]] == [row[3] - 1_000 for row in before[1:]]
    assert after[-1][3] == final_balance - 1_000


def test_a_large_cash_deposit_is_an_alert_and_a_coaf_communication(
    pipeline_run: pipeline.PipelineSummary,
    large_cash_deposit: tuple[str, date],
    warehouse_conn: psycopg.Connection,
) -> None:
    entry_id, friday = large_cash_deposit
    alert = warehouse_conn.execute(
        "select alert_id, merchant_id, amount_minor, severity, window_end"
        " from marts.fct_aml_alerts"
        " where rule_code = 'cash_at_reporting_threshold' and %s = any(triggering_operation_ids)",
        (f"ledger:{entry_id}",),
    ).fetchone()
    assert alert is not None
    alert_id, merchant_id, amount_minor, severity, window_end = alert
    assert (merchant_id, amount_minor, severity, window_end) == (
        "e2e-loja-especie",
        5_000_000,
        "high",
        friday,
    )
    communication = warehouse_conn.execute(
        "select communication_kind, obligation, report_deadline, customer_name"
        " from marts.fct_coaf_report_candidates where alert_id = %s",
        (alert_id,),
    ).fetchone()
    assert communication == ("cash_operation", "must", friday + timedelta(days=3), "Loja Espécie")


def test_a_counterparty_in_a_high_risk_jurisdiction_is_an_alert(
    pipeline_run: pipeline.PipelineSummary,
    counterparty_entries: dict[str, str],
    warehouse_conn: psycopg.Connection,
) -> None:
    alerts = warehouse_conn.execute(
        "select triggering_operation_ids, merchant_id, amount_minor from marts.fct_aml_alerts"
        " where rule_code = 'high_risk_jurisdiction' and merchant_id = 'e2e-importadora'"
    ).fetchall()
    assert alerts == [([f"ledger:{counterparty_entries['IR']}"], "e2e-importadora", 123_456)]


def analyst_queries() -> list[str]:
    text = (REPO_ROOT / "docs" / "analysts.md").read_text(encoding="utf-8")
    return re.findall(r"```sql\n(.*?)```", text, flags=re.DOTALL)


def test_the_analyst_guide_queries_run_as_analyst(
    pipeline_run: pipeline.PipelineSummary, warehouse_conn: psycopg.Connection
) -> None:
    queries = analyst_queries()
    assert len(queries) >= 5
    warehouse_conn.execute("set role analyst")
    try:
        for query in queries:
            assert warehouse_conn.execute(query).fetchall(), query
    finally:
        warehouse_conn.execute("reset role")


def test_a_backfill_refetches_its_days_and_rebuilds_the_marts_for_them(
    pipeline_run: pipeline.PipelineSummary,
    merchant_with_history: tuple[str, date, int],
    database_urls: DatabaseUrls,
    warehouse_conn: psycopg.Connection,
) -> None:
    """A drifted mart day is rewritten by a backfill of its range, though no posting changed:
    dbt gets the range (backfill_from) and recomputes from it; Open Finance is asked for it."""
    merchant_id, first_day, _ = merchant_with_history
    first, last = first_day + timedelta(days=1), first_day + timedelta(days=2)
    cash_flow = (
        "select business_date, opening_balance_minor, credits_minor, closing_balance_minor"
        " from marts.fct_daily_cash_flow where merchant_id = %s and account_code = 'cash'"
        " order by business_date"
    )
    correct = warehouse_conn.execute(cash_flow, (merchant_id,)).fetchall()
    # As if its postings were loaded days ago: else they are within the reload margin of the
    # newest load, and any run would recompute the merchant's days, backfill or not.
    merchant_postings = (
        "account_id in (select account_id from raw.ledger_accounts where tenant_id = %s)"
    )
    warehouse_conn.execute(
        "update raw.ledger_postings set _loaded_at = _loaded_at - interval '2 days'"
        f" where {merchant_postings}",
        (merchant_id,),
    )
    warehouse_conn.execute(
        "update marts.fct_daily_cash_flow set credits_minor = credits_minor + 7,"
        " closing_balance_minor = closing_balance_minor + 7"
        " where merchant_id = %s and account_code = 'cash' and business_date = %s",
        (merchant_id, first),
    )
    raw_before = raw_row_counts(database_urls.warehouse_dsn)

    backfilled = pipeline.backfill(first, last, Path(os.environ["FLUXO_HOME"]) / "logs" / "b.log")

    assert backfilled.success and backfilled.checks_failed == [], backfilled
    assert warehouse_conn.execute(cash_flow, (merchant_id,)).fetchall() == correct
    assert raw_row_counts(database_urls.warehouse_dsn) == raw_before
    duplicates = warehouse_conn.execute(
        "select (select count(*) - count(distinct (account_id, business_date))"
        " from marts.fct_daily_cash_flow),"
        " (select count(*) - count(distinct posting_id) from marts.fct_ledger_postings)"
    ).fetchone()
    assert duplicates == (0, 0)
    # The backfill's first run fetched the Open Finance window of exactly those booking days.
    with DagsterInstance.get() as instance:
        sources_run_id, _ = backfilled.run_ids
        materialized = [
            record.event_log_entry.dagster_event
            for record in instance.get_records_for_run(
                sources_run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION
            ).records
        ]
    transactions = [
        event.event_specific_data.materialization  # type: ignore[union-attr]
        for event in materialized
        if event is not None and event.asset_key == TRANSACTIONS_KEY
    ]
    assert sorted(m.partition for m in transactions) == [first.isoformat(), last.isoformat()]
    metadata = transactions[0].metadata
    assert metadata["window_to"].value == last.isoformat()
    assert metadata["window_from"].value <= first.isoformat()
    assert metadata["pages_fetched"].value > 0
