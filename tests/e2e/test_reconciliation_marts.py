"""Demo workload -> ledger API -> pipeline -> reconciliation marts: every difference the bank
simulator plants comes out of fct_bank_reconciliation with its status and amount, the rest of the
demo matches, and fct_daily_reconciliation explains each day's balance difference."""

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import psycopg
import pytest

from core_ledger.money import parse_amount
from fluxo import pipeline
from fluxo.databases import DatabaseUrls
from fluxo.demo_workload import DEMO_DAYS, MERCHANTS, DemoEntry, demo_entries
from fluxo.local_api import LocalApiServer
from fluxo.seed import seed
from fluxo.servers import child_environment
from fluxo.settings import Settings
from ingestion.openfinance.simulator import (
    SERVICE_PACKAGE_FEE_MINOR,
    Discrepancy,
    OpenFinanceSimulator,
)

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


@pytest.fixture(scope="module")
def pipeline_run(
    database_urls: DatabaseUrls, issue_key: Callable[..., str], simulated_sources: None
) -> pipeline.PipelineSummary:
    """The demo's entries posted through an in-process API, then every asset materialized once."""
    settings = Settings()
    os.environ.update(child_environment(settings))
    with LocalApiServer(settings) as api_url:
        seed(api_url, issue_key("operator"), days=DEMO_DAYS)
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
