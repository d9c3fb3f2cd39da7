"""Open Finance data lands in raw exactly once: re-runs, pending id churn, quarantine, the asset."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import dagster as dg
import psycopg
import pytest

from fluxo.databases import DatabaseUrls
from ingestion.documents import tokenize
from ingestion.openfinance import load as openfinance_load
from ingestion.openfinance.client import OpenFinanceClient, OpenFinanceSettings
from ingestion.openfinance.load import (
    SOURCE_NAME,
    WATERMARK_SOURCE,
    ensure_openfinance_tables,
    load_openfinance,
)
from ingestion.openfinance.simulator import OpenFinanceSimulator, simulator_in_thread
from ingestion.warehouse import TooManyRejected
from orchestration.defs.openfinance import OpenFinanceSource, openfinance_assets
from orchestration.defs.resources import FluxoDatabases

TODAY = date(2026, 3, 4)
TOKEN_KEY = "integration-test-document-token-key-" + "0" * 32
MERCHANTS = ["padaria-pao-dourado", "tech-store-online"]
BAD_AMOUNT = {
    "transactionId": "BAD-AMOUNT-1",
    "completedAuthorisedPaymentType": "TRANSACAO_EFETIVADA",
    "creditDebitType": "CREDITO",
    "transactionName": "Pix recebido",
    "type": "PIX",
    "transactionAmount": {"amount": "12,34", "currency": "BRL"},
    "transactionDateTime": "2026-03-03T15:00:00.000Z",
}


@pytest.fixture
def warehouse(warehouse_conn: psycopg.Connection) -> psycopg.Connection:
    """The warehouse with nothing of this source loaded: these tests count what each load adds."""
    with warehouse_conn.transaction():
        ensure_openfinance_tables(warehouse_conn)
        warehouse_conn.execute(
            "truncate raw.openfinance_accounts, raw.openfinance_balances,"
            " raw.openfinance_transactions"
        )
        warehouse_conn.execute("delete from raw._quarantine where source = %s", (SOURCE_NAME,))
        warehouse_conn.execute(
            "delete from raw._load_watermarks where source = %s", (WATERMARK_SOURCE,)
        )
    return warehouse_conn


@pytest.fixture
def dsn(database_urls: DatabaseUrls) -> str:
    return database_urls.warehouse_dsn


def make_simulator(**options: Any) -> OpenFinanceSimulator:
    return OpenFinanceSimulator(today=TODAY, days=3, merchant_ids=MERCHANTS, **options)


@pytest.fixture
def simulator() -> OpenFinanceSimulator:
    return make_simulator()


@pytest.fixture
def base_url(simulator: OpenFinanceSimulator) -> Iterator[str]:
    with simulator_in_thread(simulator) as url:
        yield url


def client(base_url: str) -> OpenFinanceClient:
    return OpenFinanceClient(
        OpenFinanceSettings(base_url=base_url, page_size=10, backoff_initial_seconds=0.01)
    )


def load(base_url: str, dsn: str, **options: Any) -> Any:
    with client(base_url) as of_client:
        return load_openfinance(of_client, dsn, token_key=TOKEN_KEY, to_date=TODAY, **options)


def counts(conn: psycopg.Connection) -> tuple[int, int, int, int]:
    """Rows in raw (every version) and in quarantine."""
    row = conn.execute(
        "select (select count(*) from raw.openfinance_accounts),"
        " (select count(*) from raw.openfinance_balances),"
        " (select count(*) from raw.openfinance_transactions),"
        " (select count(*) from raw._quarantine where source = %s)",
        (SOURCE_NAME,),
    ).fetchone()
    assert row is not None
    return row


def current_pending(conn: psycopg.Connection) -> list[tuple[str, bool]]:
    """Each pending transaction's latest version: (id, withdrawn)."""
    return conn.execute(
        "select transaction_id, withdrawn from ("
        "  select distinct on (account_id, transaction_id) * from raw.openfinance_transactions"
        "  order by account_id, transaction_id, _sequence desc) latest"
        " where not is_final order by transaction_id"
    ).fetchall()


def bank_transactions(simulator: OpenFinanceSimulator) -> int:
    window = (TODAY - timedelta(days=3), TODAY)
    return sum(
        1
        for account in simulator.data.accounts
        for t in simulator.account_transactions(account.account_id)
        if window[0] <= t.booking_date <= window[1]
    )


def test_loading_twice_loads_everything_once(
    warehouse: psycopg.Connection, dsn: str, simulator: OpenFinanceSimulator, base_url: str
) -> None:
    first = load(base_url, dsn)
    after_first = counts(warehouse)
    second = load(base_url, dsn)

    assert after_first == (2, 2, bank_transactions(simulator), 0)
    assert counts(warehouse) == after_first
    assert (first.transactions_loaded, first.accounts_loaded) == (after_first[2], 2)
    assert (second.transactions_loaded, second.balances_loaded, second.accounts_loaded) == (0, 0, 0)
    assert (first.watermark_from, first.watermark_to) == (None, TODAY)
    # The second run starts from the watermark minus the overlap, not from scratch.
    assert second.watermark_from == TODAY and second.window_from == TODAY - timedelta(days=3)
    ledger_total = warehouse.execute(
        "select sum(signed_amount_minor) from raw.openfinance_transactions"
        " where account_id = 'acc-padaria-pao-dourado' and is_final"
    ).fetchone()
    balance = warehouse.execute(
        "select available_amount_minor from raw.openfinance_balances"
        " where account_id = 'acc-padaria-pao-dourado'"
    ).fetchone()
    assert ledger_total == balance  # all its history lies in the window: they must agree


def test_no_clear_document_lands_in_raw(
    warehouse: psycopg.Connection, dsn: str, simulator: OpenFinanceSimulator, base_url: str
) -> None:
    load(base_url, dsn)
    documents = {
        t.partie_cnpj_cpf
        for account in simulator.data.accounts
        for t in simulator.account_transactions(account.account_id)
        if t.partie_cnpj_cpf
    }
    assert documents  # the simulator's bank has counterparties to hide
    tokens = {
        row[0]
        for row in warehouse.execute(
            "select partie_document_token from raw.openfinance_transactions"
            " where partie_document_token is not null"
        ).fetchall()
    }
    assert tokens and tokens <= {tokenize(document, TOKEN_KEY) for document in documents}
    raw_text = warehouse.execute(
        "select string_agg(t::text, ' ') from raw.openfinance_transactions t"
    ).fetchone()
    assert raw_text is not None and not any(d in raw_text[0] for d in documents)


def test_a_pending_transaction_whose_id_changes_is_withdrawn_and_replaced(
    warehouse: psycopg.Connection, dsn: str, simulator: OpenFinanceSimulator, base_url: str
) -> None:
    load(base_url, dsn)
    accounts, balances, transactions, quarantined = counts(warehouse)
    simulator.pending_generation = 1
    result = load(base_url, dsn)
    again = load(base_url, dsn)

    # Append-only: two withdrawn versions of the old ids, and the two new ids.
    assert counts(warehouse) == (accounts, balances, transactions + 4, quarantined)
    assert (result.pending_withdrawn, result.transactions_loaded) == (2, 2)
    assert (again.pending_withdrawn, again.transactions_loaded) == (0, 0)
    assert current_pending(warehouse) == [
        ("proc-padaria-pao-dourado-g0", True),
        ("proc-padaria-pao-dourado-g1", False),
        ("proc-tech-store-online-g0", True),
        ("proc-tech-store-online-g1", False),
    ]


def test_a_changed_account_gets_a_new_version(
    warehouse: psycopg.Connection, dsn: str, simulator: OpenFinanceSimulator, base_url: str
) -> None:
    load(base_url, dsn)
    account = simulator.data.accounts[0]
    simulator.data.accounts[0] = replace(account, number="9999999")
    result = load(base_url, dsn)

    assert result.accounts_loaded == 1
    versions = warehouse.execute(
        "select number from raw.openfinance_accounts where account_id = %s order by _sequence",
        (account.account_id,),
    ).fetchall()
    assert versions == [(account.number,), ("9999999",)]


def test_an_invalid_record_is_quarantined_and_counted(
    warehouse: psycopg.Connection, dsn: str
) -> None:
    simulator = make_simulator(raw_extra_transactions={"acc-tech-store-online": [BAD_AMOUNT]})
    with simulator_in_thread(simulator) as url:
        first = load(url, dsn)
        second = load(url, dsn)

    assert counts(warehouse) == (2, 2, bank_transactions(simulator), 1)
    assert first.records_quarantined == second.records_quarantined == 1
    row = warehouse.execute(
        "select record_key, reason, payload from raw._quarantine where source = %s",
        (SOURCE_NAME,),
    ).fetchone()
    assert row is not None
    assert row[0].startswith("transactions:acc-tech-store-online:BAD-AMOUNT-1:")
    assert "transactionAmount.amount" in row[1] and "12,34" in row[1]
    assert '"BAD-AMOUNT-1"' in row[2]


def test_past_the_error_rate_nothing_but_the_rejects_is_written(
    warehouse: psycopg.Connection, dsn: str
) -> None:
    simulator = make_simulator(raw_extra_transactions={"acc-tech-store-online": [BAD_AMOUNT]})
    with simulator_in_thread(simulator) as url, pytest.raises(TooManyRejected, match="1 of"):
        load(url, dsn, max_error_rate=0.0)

    assert counts(warehouse) == (0, 0, 0, 1)
    assert warehouse.execute(
        "select watermark from raw._load_watermarks where source = %s", (WATERMARK_SOURCE,)
    ).fetchone() == ("",)


def test_asset_materializes_a_booking_day(
    warehouse: psycopg.Connection,
    simulator: OpenFinanceSimulator,
    base_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FLUXO_DOCUMENT_TOKEN_KEY", TOKEN_KEY)
    resources = {
        "openfinance": OpenFinanceSource(base_url=base_url, page_size=10),
        "databases": FluxoDatabases(),
    }
    result = dg.materialize(
        openfinance_assets, resources=resources, partition_key=TODAY.isoformat()
    )

    assert result.success
    by_key: dict[dg.AssetKey, dict[str, Any]] = {
        m.asset_key: {k: v.value for k, v in m.metadata.items()}
        for m in result.asset_materializations_for_node("raw_openfinance_tables")
    }
    transactions = by_key[dg.AssetKey(["raw", "openfinance_transactions"])]
    assert transactions["rows_loaded"] == bank_transactions(simulator)
    assert transactions["rows_quarantined"] == 0
    assert transactions["watermark_to"] == TODAY.isoformat()
    assert transactions["pages_fetched"] >= 5
    assert (transactions["retries"], transactions["breaker_state"]) == (0, "closed")
    assert by_key[dg.AssetKey(["raw", "openfinance_accounts"])]["rows_loaded"] == 2
    assert counts(warehouse)[2] == bank_transactions(simulator)


def test_back_filling_an_earlier_day_keeps_the_watermark(
    warehouse: psycopg.Connection, dsn: str, base_url: str
) -> None:
    load(base_url, dsn)
    with client(base_url) as of_client:
        earlier = load_openfinance(
            of_client, dsn, token_key=TOKEN_KEY, to_date=TODAY - timedelta(days=2)
        )

    assert (earlier.window_from, earlier.window_to) == (
        TODAY - timedelta(days=5),
        TODAY - timedelta(days=2),
    )
    assert (earlier.watermark_from, earlier.watermark_to) == (TODAY, TODAY)
    assert earlier.transactions_loaded == 0


def test_a_crash_mid_load_leaves_no_partial_batch(
    warehouse: psycopg.Connection, dsn: str, base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: object) -> tuple[int, int]:
        raise RuntimeError("killed after accounts and balances were written")

    monkeypatch.setattr(openfinance_load, "_withdraw_unlisted_pending", crash)
    with pytest.raises(RuntimeError, match="killed"):
        load(base_url, dsn)

    assert counts(warehouse) == (0, 0, 0, 0)
