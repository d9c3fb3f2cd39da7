"""Every dashboard page, for every role that may open it, over the warehouse the pipeline built
(tests/e2e/conftest.py): the figures the marts hold, formatted in pt-BR; the filters; the
drill-downs; which role sees which page and which CPF/CNPJ in clear."""

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pandas as pd
import psycopg
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboards.alert_reviews import AlertStatus, InvalidDecision, record_decision
from dashboards.components.formatting import (
    format_brl,
    format_brl_change,
    format_date_br,
    format_document,
)
from dashboards.roles import pages_for
from dashboards.users import DashboardRole, add_user, remove_user
from fluxo import pipeline
from tests.dashboard_app import TEST_PASSWORD, log_in, open_page, titles

CASH_FLOW = "app_pages/cash_flow.py"
RECONCILIATION = "app_pages/reconciliation.py"
COMPLIANCE = "app_pages/compliance.py"
DATA_HEALTH = "app_pages/data_health.py"
CLEAR_CNPJ = re.compile(r"^\d{2}\.\d{3}\.\d{3}/\d{4}-\d{2}$")
CLEAR_CPF = re.compile(r"^\d{3}\.\d{3}\.\d{3}-\d{2}$")


@pytest.fixture(autouse=True)
def built(pipeline_run: pipeline.PipelineSummary) -> None:
    """The built warehouse, read afresh: AppTest runs in this process, whose query cache would
    otherwise still hold what earlier tests read before they changed the marts."""
    assert pipeline_run.success
    st.cache_data.clear()


def table_with(app: AppTest, column: str) -> pd.DataFrame:
    """The first table on the page with that column."""
    return next(frame.value for frame in app.dataframe if column in frame.value.columns)


def metrics(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def one(conn: psycopg.Connection, query: str, *params: object) -> tuple[object, ...]:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return tuple(row)


def test_each_role_opens_only_its_pages(dashboard_users: dict[DashboardRole, str]) -> None:
    finance = log_in(dashboard_users[DashboardRole.finance])
    assert titles(finance) == ["Fluxo de caixa"]  # its first page
    assert titles(open_page(finance, RECONCILIATION)) == ["Conciliação bancária"]
    # The compliance page is not registered for the session at all.
    with pytest.raises(ValueError, match="Could not find a navigation page") as refused:
        finance.switch_page(COMPLIANCE)
    assert "compliance.py" not in str(refused.value).split("Known pages")[1]

    compliance = log_in(dashboard_users[DashboardRole.compliance])
    assert titles(compliance) == ["Compliance"]
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        compliance.switch_page(CASH_FLOW)
    assert titles(open_page(compliance, DATA_HEALTH)) == ["Saúde dos dados"]

    admin = log_in(dashboard_users[DashboardRole.admin])
    for page, title in [(COMPLIANCE, "Compliance"), (RECONCILIATION, "Conciliação bancária")]:
        assert titles(open_page(admin, page)) == [title]

    admin.button(key="logout").click().run()
    assert titles(admin) == ["Fluxo"] and len(admin.text_input) == 2  # the login form again


def test_replacing_or_removing_a_user_ends_their_sessions(
    warehouse_conn: psycopg.Connection,
) -> None:
    add_user(warehouse_conn, "e2e-revogada", DashboardRole.finance, TEST_PASSWORD, replace=True)
    app = log_in("e2e-revogada")
    assert titles(app) == ["Fluxo de caixa"]
    # A session lasts while the user is unchanged...
    assert titles(open_page(app, RECONCILIATION)) == ["Conciliação bancária"]
    # ...and a new password (an admin's reset) ends it at the user's next click.
    add_user(warehouse_conn, "e2e-revogada", DashboardRole.finance, "outra-senha-1", replace=True)
    app.run()
    assert titles(app) == ["Fluxo"] and len(app.text_input) == 2  # the login form
    app = log_in("e2e-revogada", "outra-senha-1")
    assert titles(app) == ["Fluxo de caixa"]
    remove_user(warehouse_conn, "e2e-revogada")
    app.run()
    assert titles(app) == ["Fluxo"]


PAGE_TITLES = {
    CASH_FLOW: "Fluxo de caixa",
    RECONCILIATION: "Conciliação bancária",
    COMPLIANCE: "Compliance",
    DATA_HEALTH: "Saúde dos dados",
}


@pytest.mark.parametrize(
    ("role", "page"), [(role, page.path) for role in DashboardRole for page in pages_for(role)]
)
def test_every_page_shows_its_data_to_every_role_that_may_open_it(
    dashboard_users: dict[DashboardRole, str], role: DashboardRole, page: str
) -> None:
    app = open_page(log_in(dashboard_users[role]), page)
    assert titles(app) == [PAGE_TITLES[page]]
    assert len(app.metric) > 0 and len(app.dataframe) > 0  # data, not an empty state
    assert not [info.value for info in app.info if "fluxo pipeline run" in info.value]


def test_cash_flow_period_change_and_drill_down(
    dashboard_users: dict[DashboardRole, str],
    merchant_with_history: tuple[str, date, int],
    warehouse_conn: psycopg.Connection,
) -> None:
    merchant_id, first_day, _ = merchant_with_history
    app = log_in(dashboard_users[DashboardRole.finance])
    app.selectbox(key="merchant").set_value(merchant_id).run()
    assert app.selectbox(key="account").value == "cash"

    # Two days against the two before them.
    first, last = first_day + timedelta(days=2), first_day + timedelta(days=3)
    app.date_input[0].set_value((first, last)).run()
    assert not app.exception

    def sums(since: date, until: date) -> tuple[object, ...]:
        return one(
            warehouse_conn,
            "select sum(credits_minor), sum(debits_minor),"
            " (array_agg(closing_balance_minor order by business_date desc))[1],"
            " (array_agg(opening_balance_minor order by business_date))[1]"
            " from marts.fct_daily_cash_flow where merchant_id = %s and account_code = 'cash'"
            " and business_date between %s and %s",
            merchant_id,
            since,
            until,
        )

    credits, debits, closing, opening = (int(v) for v in sums(first, last))  # type: ignore[call-overload]
    before = [int(v) for v in sums(first - timedelta(days=2), first - timedelta(days=1))[:3]]  # type: ignore[call-overload]
    shown = {metric.label: metric for metric in app.metric}
    assert shown["Saldo inicial"].value == format_brl(opening)
    assert shown["Entradas"].value == format_brl(credits) == "R$ 89,90"
    assert shown["Saídas"].value == format_brl(debits)
    assert shown["Saldo final"].value == format_brl(closing)
    assert shown["Entradas"].delta == format_brl_change(credits - before[0])
    assert shown["Saídas"].delta == format_brl_change(debits - before[1])
    assert shown["Saldo final"].delta == format_brl_change(closing - before[2])
    days = table_with(app, "Saldo final")
    assert list(days["Dia"]) == [format_date_br(first), format_date_br(last)]

    # The first day's entries, from the day picker of the whole history.
    app.date_input[0].set_value((first_day, first_day + timedelta(days=3))).run()
    app.selectbox(key="drill_day").set_value(first_day).run()
    entries = table_with(app, "Hora")
    assert sorted(zip(entries["Tipo"], entries["Valor"], strict=True)) == [
        ("Entrada", "R$ 1.500,00"),
        ("Saída", "R$ 320,45"),
    ]
    assert list(entries["Saldo após"]) == ["R$ 1.500,00", "R$ 1.179,55"]


def test_reconciliation_rates_pending_items_and_drill_down(
    dashboard_users: dict[DashboardRole, str],
    merchant_with_history: tuple[str, date, int],
    warehouse_conn: psycopg.Connection,
) -> None:
    merchant_id, _, _ = merchant_with_history
    app = open_page(log_in(dashboard_users[DashboardRole.finance]), RECONCILIATION)
    first, last = app.date_input[0].value  # type: ignore[misc]
    items, matched = one(
        warehouse_conn,
        "select count(*), count(*) filter (where status = 'matched')"
        " from marts.fct_bank_reconciliation where business_date between %s and %s",
        first,
        last,
    )
    shown = metrics(app)
    assert shown["Itens no período"] == f"{items:,}".replace(",", ".")
    assert shown["Taxa de conciliação"] == f"{matched / items * 100:.1f}%".replace(".", ",")  # type: ignore[operator]
    assert shown["Pendências"] == f"{items - matched:,}".replace(",", ".")  # type: ignore[operator]

    # The test merchant has no registered bank account: each of its entries is only in the ledger.
    app.selectbox(key="merchant").set_value(merchant_id).run()
    span = one(
        warehouse_conn,
        "select min(business_date), max(business_date) from marts.fct_bank_reconciliation"
        " where merchant_id = %s",
        merchant_id,
    )
    app.date_input[0].set_value(span).run()
    (entries,) = one(
        warehouse_conn,
        "select count(*) from marts.fct_bank_reconciliation where merchant_id = %s",
        merchant_id,
    )
    assert metrics(app)["Taxa de conciliação"] == "0,0%"
    assert metrics(app)["Pendências"] == str(entries)
    by_age = table_with(app, "até 2 dias")
    assert int(by_age.select_dtypes("number").to_numpy().sum()) == entries

    # The drill-down: the ledger side, and no bank line.
    pending = app.selectbox(key="item")
    chosen = next(i for i, label in enumerate(pending.options) if "R$ 1.500,00" in label)
    pending.select_index(chosen).run()
    text = " ".join(markdown.value for markdown in app.markdown)
    assert "**Valor:** R$ 1.500,00" in text and "venda" in text
    assert "o banco não listou este lançamento" in text


def test_compliance_queue_filters_detail_and_clear_documents(
    dashboard_users: dict[DashboardRole, str],
    large_cash_deposit: tuple[str, date],
    warehouse_conn: psycopg.Connection,
) -> None:
    _, friday = large_cash_deposit
    app = log_in(dashboard_users[DashboardRole.compliance])
    (alerts,) = one(warehouse_conn, "select count(*) from marts.fct_aml_alerts")
    queue = table_with(app, "Selecionar até")
    assert len(queue) == alerts
    assert list(queue["Selecionar até"]) == sorted(
        queue["Selecionar até"], key=lambda day: day[6:] + day[3:5] + day[:2]
    )
    cash = queue[(queue["Cliente"] == "e2e-loja-especie") & queue["Regra"].str.startswith("1. ")]
    assert list(cash["Valor"]) == ["R$ 50.000,00"] and list(cash["Severidade"]) == ["Alta"]
    assert list(cash["Selecionar até"]) == [format_date_br(friday + timedelta(days=45))]

    app.multiselect(key="severities").set_value(["low"]).run()
    (low,) = one(warehouse_conn, "select count(*) from marts.fct_aml_alerts where severity = 'low'")
    low_only = table_with(app, "Selecionar até")
    assert len(low_only) == low and set(low_only["Severidade"]) <= {"Baixa"}
    app.multiselect(key="severities").set_value(["high", "medium", "low"]).run()
    app.selectbox(key="customer").set_value("e2e-loja-especie").run()
    assert set(table_with(app, "Selecionar até")["Cliente"]) == {"e2e-loja-especie"}

    (rule_title,) = one(
        warehouse_conn,
        "select rule_title from marts.fct_aml_alerts"
        " where rule_code = 'cash_at_reporting_threshold' limit 1",
    )
    alert = app.selectbox(key="alert")
    alert.select_index(next(i for i, a in enumerate(alert.options) if str(rule_title) in a)).run()
    text = " ".join(markdown.value for markdown in app.markdown)
    assert "Circular" in text and "R$ 50.000,00" in text
    assert "**O que a regra viu:** Depósito em espécie de R$ 50.000,00" in text  # in pt-BR
    operations = table_with(app, "Origem")
    assert ("Razão", "R$ 50.000,00", format_date_br(friday)) in set(
        zip(operations["Origem"], operations["Valor"], operations["Dia"], strict=True)
    )

    # The COAF communication of that deposit is due the next business day, with the clear CNPJ
    # (or CPF) of the customer for compliance.
    coaf = table_with(app, "Comunicar até")
    (candidates,) = one(warehouse_conn, "select count(*) from marts.fct_coaf_report_candidates")
    assert len(coaf) == candidates
    deposit = coaf[(coaf["Tipo"] == "Operação em espécie") & (coaf["Cliente"] == "Loja Espécie")]
    assert list(deposit["Comunicar até"]) == [format_date_br(friday + timedelta(days=3))]
    kyc = table_with(app, "Situação KYC")
    customers = warehouse_conn.execute(
        "select customer_id, document_token, document_masked from marts.dim_customers_kyc"
    ).fetchall()
    clear = dict(
        warehouse_conn.execute(
            "select document_token, document from raw.kyc_documents_restricted"
        ).fetchall()
    )
    shown = dict(zip(kyc["Cliente"], kyc["CPF/CNPJ"], strict=True))
    assert len(shown) == len(customers) > 0
    for customer_id, token, masked in customers:
        expected = format_document(clear[token]) if token in clear else masked
        assert shown[customer_id] == expected
    assert any(CLEAR_CNPJ.match(d) for d in shown.values())
    assert any(CLEAR_CPF.match(d) for d in shown.values())

    # The admin sees the same page with every document masked.
    admin = open_page(log_in(dashboard_users[DashboardRole.admin]), COMPLIANCE)
    admin_kyc = table_with(admin, "Situação KYC")
    masked = dict(zip(admin_kyc["Cliente"], admin_kyc["CPF/CNPJ"], strict=True))
    assert masked == {customer_id: m for customer_id, _, m in customers}
    assert not any(CLEAR_CNPJ.match(d) or CLEAR_CPF.match(d) for d in masked.values())
    assert set(admin_kyc["Risco"]) <= {"Alta", "Média", "Baixa"}


@pytest.fixture
def alert_decisions_undone(warehouse_conn: psycopg.Connection) -> Iterator[None]:
    """The decisions a test records are gone after it, so every other test sees new alerts.
    The log refuses deleting a decision (it is append-only); truncating it is the test's way."""
    yield
    warehouse_conn.execute("truncate dashboard.alert_reviews")


def test_compliance_takes_up_reports_and_closes_alerts(
    dashboard_users: dict[DashboardRole, str],
    large_cash_deposit: tuple[str, date],
    warehouse_conn: psycopg.Connection,
    alert_decisions_undone: None,
) -> None:
    analyst = dashboard_users[DashboardRole.compliance]
    (alert_id,) = one(
        warehouse_conn,
        "select alert_id from marts.fct_aml_alerts"
        " where rule_code = 'cash_at_reporting_threshold' and merchant_id = 'e2e-loja-especie'",
    )

    def deposit_rows(app: AppTest) -> pd.DataFrame:
        queue = table_with(app, "Selecionar até")
        deposit = (queue["Cliente"] == "e2e-loja-especie") & queue["Regra"].str.startswith("1. ")
        return queue[deposit]

    def decide(app: AppTest, status: str, note: str = "") -> AppTest:
        app.selectbox(key="decision_status").set_value(status)
        app.text_area(key="decision_note").input(note)
        return app.button(key="decide").click().run()

    def stored() -> list[tuple[object, ...]]:
        return [
            tuple(row)
            for row in warehouse_conn.execute(
                "select status, note, reviewed_by from dashboard.alert_reviews"
                " where alert_id = %s order by review_id",
                (alert_id,),
            )
        ]

    app = log_in(analyst)
    assert list(deposit_rows(app)["Situação"]) == ["Novo"]
    app.selectbox(key="alert").set_value(alert_id).run()
    assert "Nenhuma decisão ainda: o alerta está novo." in [c.value for c in app.caption]

    # Taking an alert up needs no note; the queue shows who has it.
    decide(app, "in_review")
    assert [s.value for s in app.success] == ["Decisão registrada: Em análise."]
    assert stored() == [("in_review", "", analyst)]
    assert list(deposit_rows(app)[["Situação", "Responsável"]].itertuples(index=False)) == [
        ("Em análise", analyst)
    ]

    # Closing it without the reason is refused, and nothing is stored.
    decide(app, "dismissed")
    assert next(error.value for error in app.error).startswith("Escreva o motivo")
    assert len(stored()) == 1

    # Reported, with the COAF protocol: it leaves the queue of open alerts, and its history shows.
    decide(app, "reported", "  Protocolo COAF 2026-123  ")
    reported = ("reported", "Protocolo COAF 2026-123", analyst)  # the note stripped
    assert stored() == [("in_review", "", analyst), reported]
    assert app.text_area(key="decision_note").value == ""  # emptied for the next decision
    assert deposit_rows(app).empty
    app.multiselect(key="statuses").set_value(["reported"]).run()
    assert list(deposit_rows(app)["Situação"]) == ["Comunicado ao COAF"]
    app.selectbox(key="alert").set_value(alert_id).run()
    history = table_with(app, "Nota")
    assert list(history["Situação"]) == ["Em análise", "Comunicado ao COAF"]
    assert "Comunicado ao COAF: a decisão é final." in [c.value for c in app.caption]
    assert not [button for button in app.button if button.key == "decide"]

    # The COAF tab counts it as done.
    coaf = table_with(app, "Comunicar até")
    deposit = coaf[(coaf["Tipo"] == "Operação em espécie") & (coaf["Cliente"] == "Loja Espécie")]
    assert list(deposit["Situação"]) == ["Comunicado ao COAF"]
    assert metrics(app)["Pendentes"] == str(int((coaf["Situação"] != "Comunicado ao COAF").sum()))

    # A communication cannot be taken back, an unknown alert is refused, and the log is
    # append-only even for a direct UPDATE.
    with pytest.raises(InvalidDecision, match="já foi comunicado"):
        record_decision(warehouse_conn, alert_id, AlertStatus.dismissed, "engano", analyst)
    with pytest.raises(InvalidDecision, match="desconhecido"):
        record_decision(warehouse_conn, "no-such-alert", AlertStatus.in_review, "", analyst)
    with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
        warehouse_conn.execute("update dashboard.alert_reviews set note = 'outra'")
    assert len(stored()) == 2

    # The admin sees the decisions but records none.
    admin = open_page(log_in(dashboard_users[DashboardRole.admin]), COMPLIANCE)
    admin.multiselect(key="statuses").set_value(["reported"]).run()
    admin.selectbox(key="alert").set_value(alert_id).run()
    assert list(table_with(admin, "Nota")["Por"]) == [analyst, analyst]
    assert not [button for button in admin.button if button.key == "decide"]
    assert "Decisões sobre alertas são registradas pelo perfil Compliance." in [
        c.value for c in admin.caption
    ]


def test_data_health_shows_the_last_run_freshness_checks_and_quarantine(
    dashboard_users: dict[DashboardRole, str],
    warehouse_conn: psycopg.Connection,
    pipeline_run: pipeline.PipelineSummary,
) -> None:
    app = open_page(log_in(dashboard_users[DashboardRole.finance]), DATA_HEALTH)
    # The session's pipeline runs were recorded as they ended...
    recorded = dict(
        warehouse_conn.execute(
            "select run_id, status from marts.pipeline_runs where run_id = any(%s)",
            (pipeline_run.run_ids,),
        ).fetchall()
    )
    assert recorded == dict.fromkeys(pipeline_run.run_ids, "SUCCESS")
    # ...and the page shows the latest run in this warehouse, whichever test ran it (the CLI
    # tests record a failed backfill here too).
    status, checks_failed = one(
        warehouse_conn,
        "select status, checks_failed from marts.pipeline_runs order by started_at desc limit 1",
    )
    assert metrics(app)["Última execução"] == {"SUCCESS": "Sucesso", "FAILURE": "Falhou"}[status]
    assert metrics(app)["Checagens com falha"] == str(checks_failed)

    freshness = table_with(app, "Camada")
    assert {"raw/ledger_postings", "marts/fct_daily_cash_flow", "marts/fct_aml_alerts"} <= set(
        freshness["Tabela"]
    )
    assert set(freshness["Situação"]) == {"Em dia"}

    quarantined = dict(
        warehouse_conn.execute("select source, count(*) from raw._quarantine group by source")
    )
    assert quarantined  # the statement fixtures and the KYC simulator plant bad records
    by_source = table_with(app, "Linhas")
    assert dict(zip(by_source["Fonte"], by_source["Linhas"], strict=True)) == quarantined

    # A check that fails is listed (beside any other test's failing checks in this warehouse).
    check = one(
        warehouse_conn,
        "select asset_key, check_name from marts.pipeline_check_results"
        " where severity = 'ERROR' and passed limit 1",
    )
    warehouse_conn.execute(
        "update marts.pipeline_check_results set passed = false"
        " where (asset_key, check_name) = (%s, %s)",
        check,
    )
    try:
        st.cache_data.clear()
        app = open_page(log_in(dashboard_users[DashboardRole.finance]), DATA_HEALTH)
        failing = table_with(app, "Checagem")
        assert check in set(zip(failing["Tabela"], failing["Checagem"], strict=True))
    finally:
        warehouse_conn.execute(
            "update marts.pipeline_check_results set passed = true"
            " where (asset_key, check_name) = (%s, %s)",
            check,
        )
