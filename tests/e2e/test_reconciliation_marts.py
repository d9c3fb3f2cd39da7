"""Demo workload -> ledger API -> pipeline -> reconciliation marts: every difference the bank
simulator plants comes out of fct_bank_reconciliation with its status and amount, the rest of the
demo matches, and fct_daily_reconciliation explains each day's balance difference. A bank account
registered after a run is reconciled by the next one, which then equals a full refresh."""

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from dagster_dbt import DbtCliResource
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from bench.reconciliation_equality import compare_with_full_refresh
from core_ledger.access import cli_actor
from core_ledger.api.app import create_app
from core_ledger.money import parse_amount
from fluxo import pipeline
from fluxo.databases import DatabaseUrls
from fluxo.demo_workload import DEMO_DAYS, MERCHANTS, SAO_PAULO, DemoEntry, demo_entries
from fluxo.local_api import LocalApiServer
from fluxo.seed import seed, seed_onboarding_register
from fluxo.servers import child_environment
from fluxo.settings import Settings
from ingestion.openfinance.simulator import (
    SERVICE_PACKAGE_FEE_MINOR,
    Discrepancy,
    OpenFinanceSimulator,
)
from orchestration.defs.dbt.project import DBT_EXECUTABLE, dbt_project

DEMO_MERCHANTS = [profile.merchant_id for profile in MERCHANTS]
RECONCILIATION_MARTS = {"marts/fct_bank_reconciliation", "marts/fct_daily_reconciliation"}


@dataclass(frozen=True)
class Item:
    """A row of marts.fct_bank_reconciliation."""

    status: str
    merchant_id: str | None
    bank_account_id: str | None
    ledger_external_id: str | None
    bank_transaction_id: str | None
    ledger_business_date: date | None
    bank_business_date: date | None
    difference_minor: int
    date_difference_days: int | None


@pytest.fixture(scope="module")
def bank() -> OpenFinanceSimulator:
    """The bank the session's simulators serve: its data derives from today alone."""
    return OpenFinanceSimulator()


@dataclass(frozen=True)
class LateAccount:
    """A merchant whose bank statement is loaded before its account is registered."""

    merchant_id: str
    bank_account_id: str  # as the warehouse spells it
    bank_id: str  # as the statement gives it
    account_number: str


LATE = LateAccount("e2e-mercado-tardio", "077/7654321-0", "0077", "7654321-0")


@pytest.fixture(scope="module")
def late_account(
    database_urls: DatabaseUrls, issue_key: Callable[..., str], simulated_sources: None
) -> LateAccount:
    """Three entries of a merchant (posted through the API) and its bank's statement in the
    landing folder: the first matches a line on its day, the second a line booked the next day,
    the third is missing from the bank, and the bank adds a fee. Its account is not registered:
    the first run loads its lines as a bank account of no merchant."""
    first_day, second_day = _late_days()
    entries = [
        ("e2e-tardio-1", "credit", "1234.56", first_day, "10:00", "Pix recebido Joana"),
        ("e2e-tardio-2", "debit", "310.00", first_day, "15:00", "Boleto atacadista"),
        ("e2e-tardio-3", "credit", "89.90", second_day, "11:00", "Venda cartao"),
    ]
    with TestClient(create_app(), headers={"X-API-Key": issue_key("operator")}) as api:
        registered = api.post(
            "/v1/merchants", json={"merchant_id": LATE.merchant_id, "name": "Mercado Tardio"}
        )
        assert registered.status_code in (201, 409), registered.text
        for external_id, entry_type, amount, day, at, description in entries:
            occurred_at = datetime.combine(day, datetime.strptime(at, "%H:%M").time(), SAO_PAULO)
            response = api.post(
                f"/v1/merchants/{LATE.merchant_id}/entries",
                json={
                    "type": entry_type,
                    "amount": amount,
                    "occurred_at": occurred_at.isoformat(),
                    "description": description,
                    "category": "vendas_pix" if entry_type == "credit" else "fornecedores",
                    "external_id": external_id,
                },
            )
            assert response.status_code in (201, 409), response.text
    landing = Settings().home_dir / "landing"
    landing.mkdir(parents=True, exist_ok=True)
    _write_ofx(landing / "mercado_tardio.ofx", _late_lines(), first_day, second_day, "911.66")
    return LATE


def _late_days() -> tuple[date, date]:
    """The two days of the late merchant's entries and statement."""
    first_day = datetime.now(SAO_PAULO).date() - timedelta(days=8)
    return first_day, first_day + timedelta(days=1)


def _late_lines() -> list[tuple[str, str, str, str, str]]:
    """The late merchant's bank lines: FITID, type, posted at, amount, memo."""
    first_day, second_day = _late_days()
    return [
        ("tardio-1", "CREDIT", f"{first_day:%Y%m%d}100500", "1234.56", "Pix recebido Joana"),
        ("tardio-2", "DEBIT", f"{second_day:%Y%m%d}090000", "-310.00", "Boleto atacadista"),
        ("tardio-fee", "DEBIT", f"{second_day:%Y%m%d}235900", "-12.90", "Tarifa mensal"),
    ]


def _write_ofx(
    path: Path,
    lines: list[tuple[str, str, str, str, str]],
    first: date,
    last: date,
    balance: str,
) -> None:
    transactions = "".join(
        f"<STMTTRN><TRNTYPE>{kind}</TRNTYPE><DTPOSTED>{posted}[-03:BRT]</DTPOSTED>"
        f"<TRNAMT>{amount}</TRNAMT><FITID>{fitid}</FITID><MEMO>{memo}</MEMO></STMTTRN>\n"
        for fitid, kind, posted, amount, memo in lines
    )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
        '<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" '
        'NEWFILEUID="NONE"?>\n'
        "<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>"
        f"<DTSERVER>{last:%Y%m%d}230000[-03:BRT]</DTSERVER><LANGUAGE>POR</LANGUAGE></SONRS>"
        "</SIGNONMSGSRSV1><BANKMSGSRSV1><STMTTRNRS><TRNUID>1</TRNUID>"
        "<STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS><STMTRS><CURDEF>BRL</CURDEF>"
        f"<BANKACCTFROM><BANKID>{LATE.bank_id}</BANKID><BRANCHID>0001</BRANCHID>"
        f"<ACCTID>{LATE.account_number}</ACCTID><ACCTTYPE>CHECKING</ACCTTYPE></BANKACCTFROM>"
        f"<BANKTRANLIST><DTSTART>{first:%Y%m%d}000000[-03:BRT]</DTSTART>"
        f"<DTEND>{last:%Y%m%d}235959[-03:BRT]</DTEND>\n{transactions}</BANKTRANLIST>"
        f"<LEDGERBAL><BALAMT>{balance}</BALAMT><DTASOF>{last:%Y%m%d}235959[-03:BRT]</DTASOF>"
        "</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n",
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def pipeline_run(
    database_urls: DatabaseUrls,
    issue_key: Callable[..., str],
    simulated_sources: None,
    ledger_sessions: sessionmaker[Session],
    late_account: LateAccount,
) -> pipeline.PipelineSummary:
    """The demo's entries posted through an in-process API and its onboarding register filled
    (as `fluxo seed` does), then every asset materialized once."""
    settings = Settings()
    os.environ.update(child_environment(settings))
    with LocalApiServer(settings) as api_url:
        seed(api_url, issue_key("operator"), days=DEMO_DAYS)
    seed_onboarding_register(ledger_sessions, cli_actor("e2e"))
    pipeline.prepare(database_urls.warehouse)
    return pipeline.materialize_all(settings.home_dir / "logs" / "pipeline.log")


@pytest.fixture(scope="module")
def items(pipeline_run: pipeline.PipelineSummary, database_urls: DatabaseUrls) -> list[Item]:
    """The demo merchants' rows; other modules of the session may have loaded other merchants."""
    with psycopg.connect(database_urls.warehouse_dsn) as conn:
        rows = conn.execute(
            "select status, merchant_id, bank_account_id, ledger_external_id,"
            " bank_transaction_id, ledger_business_date, bank_business_date, difference_minor,"
            " date_difference_days"
            " from marts.fct_bank_reconciliation where merchant_id = any(%s)",
            (DEMO_MERCHANTS,),
        ).fetchall()
    return [Item(*row) for row in rows]


@pytest.fixture(scope="module")
def demo_ledger(bank: OpenFinanceSimulator) -> dict[str, DemoEntry]:
    """The entries the seed posts, by external id."""
    return {entry.external_id: entry for entry in demo_entries(bank.today, DEMO_DAYS)}


def signed_minor(entry: DemoEntry) -> int:
    amount = parse_amount(entry.amount)
    return amount if entry.entry_type == "credit" else -amount


def bank_signed_minor(bank: OpenFinanceSimulator, discrepancy: Discrepancy) -> int:
    return next(
        t.signed_amount_minor
        for t in bank.data.transactions[discrepancy.account_id]
        if t.transaction_id == discrepancy.transaction_id
    )


def only(items: list[Item], **where: object) -> Item:
    found = [i for i in items if all(getattr(i, k) == v for k, v in where.items())]
    assert len(found) == 1, (where, found)
    return found[0]


def test_the_reconciliation_marts_are_built_and_pass_their_tests(
    pipeline_run: pipeline.PipelineSummary,
) -> None:
    assert set(pipeline_run.assets_materialized) >= RECONCILIATION_MARTS, pipeline_run
    assert [c for c in pipeline_run.checks_failed if "reconciliation" in c] == []


def test_each_deliberate_difference_has_its_status_and_amount(
    items: list[Item], bank: OpenFinanceSimulator, demo_ledger: dict[str, DemoEntry]
) -> None:
    kinds = {d.kind for d in bank.discrepancies}
    assert kinds == {
        "bank_fee_not_in_ledger",
        "missing_from_bank",
        "amount_off_by_one_centavo",
        "booked_next_day",
    }
    for d in bank.discrepancies:
        if d.kind == "bank_fee_not_in_ledger":
            item = only(items, bank_transaction_id=d.transaction_id)
            assert (item.status, item.difference_minor) == (
                "only_in_bank",
                -SERVICE_PACKAGE_FEE_MINOR,
            )
            assert item.bank_business_date == d.booking_date
        elif d.kind == "missing_from_bank":
            assert d.external_id is not None
            item = only(items, ledger_external_id=d.external_id)
            assert item.status == "only_in_ledger"
            assert item.difference_minor == -signed_minor(demo_ledger[d.external_id])
            assert item.bank_transaction_id is None
        elif d.kind == "amount_off_by_one_centavo":
            assert d.external_id is not None
            item = only(items, ledger_external_id=d.external_id)
            assert (item.status, item.bank_transaction_id) == ("amount_mismatch", d.transaction_id)
            expected = bank_signed_minor(bank, d) - signed_minor(demo_ledger[d.external_id])
            assert abs(expected) == 1
            assert item.difference_minor == expected
        else:  # booked_next_day
            item = only(items, ledger_external_id=d.external_id)
            assert (item.status, item.bank_transaction_id) == ("date_mismatch", d.transaction_id)
            assert item.difference_minor == 0
            assert item.ledger_business_date == d.booking_date
            assert item.date_difference_days == 1
        assert (item.merchant_id, item.bank_account_id) == (d.merchant_id, d.account_id)


def test_the_rest_of_the_demo_matches(
    items: list[Item], bank: OpenFinanceSimulator, demo_ledger: dict[str, DemoEntry]
) -> None:
    deliberate = {d.external_id for d in bank.discrepancies} | {
        d.transaction_id for d in bank.discrepancies
    }
    deliberate.discard(None)
    unexpected = [
        item
        for item in items
        if item.status != "matched"
        and item.ledger_external_id not in deliberate
        and item.bank_transaction_id not in deliberate
        # Entries other modules posted for these merchants (a shorter seed's capital
        # contribution, say) have no bank line; they are not the demo's.
        and (item.ledger_external_id is None or item.ledger_external_id in demo_ledger)
    ]
    assert unexpected == []
    matched = sum(item.status == "matched" for item in items)
    assert matched >= 0.99 * len(items)
    # Every demo entry is in the mart once, matched or not.
    in_mart = [i.ledger_external_id for i in items if i.ledger_external_id in demo_ledger]
    assert sorted(in_mart) == sorted(demo_ledger)


def test_the_daily_reconciliation_explains_every_difference(
    items: list[Item], database_urls: DatabaseUrls
) -> None:
    with psycopg.connect(database_urls.warehouse_dsn) as conn:
        days = conn.execute(
            "select bank_account_id, business_date, has_bank_balance, difference_minor,"
            " explained_difference_minor, unexplained_difference_minor"
            " from marts.fct_daily_reconciliation where merchant_id = any(%s)"
            " order by bank_account_id, business_date",
            (DEMO_MERCHANTS,),
        ).fetchall()
    accounts = {item.bank_account_id for item in items}
    assert {day[0] for day in days} == accounts
    # The bank's balance agrees with its lines, so the items explain every day's difference.
    assert [day for day in days if not day[2] or day[5] != 0 or day[3] != day[4]] == []
    for account in accounts:
        last_day = [day for day in days if day[0] == account][-1]
        assert last_day[3] == sum(i.difference_minor for i in items if i.bank_account_id == account)


def late_items(warehouse: psycopg.Connection) -> list[tuple[object, ...]]:
    """The late merchant's rows and its account's, by status then ledger side."""
    return warehouse.execute(
        "select status, merchant_id, bank_account_id, ledger_external_id, bank_transaction_id"
        " from marts.fct_bank_reconciliation where merchant_id = %s or bank_account_id = %s"
        " order by status, ledger_external_id, bank_transaction_id",
        (LATE.merchant_id, LATE.bank_account_id),
    ).fetchall()


def test_an_account_registered_after_a_run_is_reconciled_by_the_next(
    pipeline_run: pipeline.PipelineSummary,
    late_account: LateAccount,
    database_urls: DatabaseUrls,
    issue_key: Callable[..., str],
) -> None:
    """Runs last in this module: it registers an account and runs the pipeline again."""
    merchant, account = late_account.merchant_id, late_account.bank_account_id
    with psycopg.connect(database_urls.warehouse_dsn, autocommit=True) as warehouse:
        # Unregistered: the entries are only in the ledger, under no account; the lines are bank
        # items of no merchant.
        assert late_items(warehouse) == [
            ("only_in_bank", None, account, None, "tardio-1"),
            ("only_in_bank", None, account, None, "tardio-2"),
            ("only_in_bank", None, account, None, "tardio-fee"),
            ("only_in_ledger", merchant, None, "e2e-tardio-1", None),
            ("only_in_ledger", merchant, None, "e2e-tardio-2", None),
            ("only_in_ledger", merchant, None, "e2e-tardio-3", None),
        ]

        with TestClient(create_app(), headers={"X-API-Key": issue_key("operator")}) as api:
            response = api.put(f"/v1/merchants/{merchant}/bank-accounts/statement_file/{account}")
        assert response.status_code == 201, response.text
        settings = Settings()
        # And the bank's statement of the second day, which lists two of its lines again: the
        # next run stages them from it, one transaction each.
        second_day = _late_days()[1]
        _write_ofx(
            settings.home_dir / "landing" / "mercado_tardio_dia2.ofx",
            [line for line in _late_lines() if line[0] in ("tardio-2", "tardio-fee")],
            second_day,
            second_day,
            "911.66",
        )
        again = pipeline.materialize_all(settings.home_dir / "logs" / "pipeline.log")
        assert again.success, again

        assert late_items(warehouse) == [
            ("date_mismatch", merchant, account, "e2e-tardio-2", "tardio-2"),
            ("matched", merchant, account, "e2e-tardio-1", "tardio-1"),
            ("only_in_bank", merchant, account, None, "tardio-fee"),
            ("only_in_ledger", merchant, account, "e2e-tardio-3", None),
        ]
        staged = warehouse.execute(
            "select fitid, file_count from staging.stg_statements__lines"
            " where bank_account_id = %s order by fitid",
            (account,),
        ).fetchall()
        assert staged == [("tardio-1", 1), ("tardio-2", 2), ("tardio-fee", 2)]
        # An incremental run: it matched again what the registration changed, not everything.
        counts = warehouse.execute(
            "select (select count(*) from intermediate.int_reconciliation__rebuilt_items),"
            " (select count(*) from marts.fct_bank_reconciliation)"
        ).fetchone()
        assert counts is not None
        rebuilt, items = counts
        assert 6 <= rebuilt < items

    differing = compare_with_full_refresh(
        database_urls.warehouse_dsn,
        settings.home_dir,
        relations=(
            "staging.stg_statements__lines",
            "intermediate.int_reconciliation__ledger_entries",
            "intermediate.int_reconciliation__bank_lines",
            "marts.fct_bank_reconciliation",
            "intermediate.int_reconciliation__account_days",
            "marts.fct_daily_reconciliation",
        ),
        rebuilt=("int_reconciliation__ledger_entries+", "stg_statements__lines+"),
    )
    assert differing == dict.fromkeys(differing, 0)


def test_the_mart_materialized_again_alone_keeps_its_rows(
    pipeline_run: pipeline.PipelineSummary, database_urls: DatabaseUrls, tmp_path: Path
) -> None:
    """fct_bank_reconciliation materialized without a new list of rebuilt items (one asset from
    the Dagster UI, say) replaces the listed items, which the last run stored, rather than
    inserting them a second time."""

    def rows() -> list[tuple[object, ...]]:
        with psycopg.connect(database_urls.warehouse_dsn) as conn:
            return conn.execute(
                "select reconciliation_item_id, status, ledger_entry_id, bank_line_id,"
                " difference_minor from marts.fct_bank_reconciliation order by 1"
            ).fetchall()

    before = rows()
    dbt = DbtCliResource(project_dir=dbt_project(), dbt_executable=DBT_EXECUTABLE)
    for _ in range(2):
        dbt.cli(
            ["run", "--select", "fct_bank_reconciliation"],
            target_path=tmp_path,
            raise_on_error=True,
        ).wait()

    assert before and rows() == before
