"""The warehouse copy of the ledger misses no transaction that commits late, and never doubles."""

import uuid
from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy.orm import Session, sessionmaker

from core_ledger.access import cli_actor
from core_ledger.services import merchants
from fluxo.databases import DatabaseUrls
from ingestion.documents import TOKEN_KEY_ENV
from ingestion.ledger.balances import merchant_balances
from ingestion.ledger.load import load_ledger
from ingestion.ledger.tables import ENTRIES, LEDGER_TABLES
from ingestion.warehouse import current_watermark


@pytest.fixture
def dsns(
    database_urls: DatabaseUrls,
    ledger_sessions: sessionmaker[Session],
    merchant_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[str, str]:
    """Ledger and warehouse connection strings, with this test's merchant registered (and the
    key the copy tokenizes the onboarding register with)."""
    monkeypatch.setenv(TOKEN_KEY_ENV, "test-document-token-key-" + "0" * 32)
    merchants.register_merchant(
        ledger_sessions, cli_actor("tests"), merchants.NewMerchant(merchant_id, "M")
    )
    return database_urls.ledger_dsn, database_urls.warehouse_dsn


def _insert_entry(conn: psycopg.Connection, merchant_id: str, amount_minor: int) -> str:
    """A credit entry written as plain rows (a transfer and its two postings) in the connection's
    open transaction, so the test decides when it commits. Balances are not what this is about:
    the account versions only need to be unique."""
    entry_id = str(uuid.uuid4())
    conn.execute(
        "insert into ledger.transfers (transfer_id, tenant_id, currency, description, category,"
        " occurred_at) values (%s, %s, 'BRL', 'x', 'y', now())",
        (entry_id, merchant_id),
    )
    conn.execute(
        "insert into ledger.postings (transfer_id, account_id, direction, amount_minor,"
        " balance_after_minor, account_version, occurred_at)"
        " select %s, account_id, case code when 'cash' then 'credit' else 'debit' end, %s, 0,"
        " (random() * 1e12)::bigint, now() from ledger.accounts where tenant_id = %s",
        (entry_id, amount_minor, merchant_id),
    )
    return entry_id


def _loaded(warehouse: psycopg.Connection, entry_ids: list[str]) -> list[str]:
    rows = warehouse.execute(
        "select entry_id::text from raw.ledger_entries where entry_id = any(%s::uuid[])",
        (entry_ids,),
    ).fetchall()
    return sorted(row[0] for row in rows)


def test_late_commit_with_earlier_transaction_is_not_skipped(
    dsns: tuple[str, str], warehouse_conn: psycopg.Connection, merchant_id: str
) -> None:
    ledger_dsn, warehouse_dsn = dsns
    load_ledger(ledger_dsn, warehouse_dsn)

    # The slow writer takes its transaction id first, the fast one second and commits first:
    # a "highest id seen" watermark would move past the slow writer's entry and skip it.
    with psycopg.connect(ledger_dsn) as slow, psycopg.connect(ledger_dsn) as fast:
        slow_entry = _insert_entry(slow, merchant_id, 111)
        fast_entry = _insert_entry(fast, merchant_id, 222)
        fast.commit()

        load_ledger(ledger_dsn, warehouse_dsn)
        # The fast entry waits: the slow transaction still holds the snapshot's xmin back.
        assert _loaded(warehouse_conn, [slow_entry, fast_entry]) == []

        slow.commit()

    first = load_ledger(ledger_dsn, warehouse_dsn)
    assert _loaded(warehouse_conn, [slow_entry, fast_entry]) == sorted([slow_entry, fast_entry])
    entries_result = next(r for r in first if r.raw_table == "raw.ledger_entries")
    assert entries_result.rows_loaded >= 2

    # The double-entry tables follow the same watermark: both transfers, each with two postings.
    assert _postings_per_transfer(warehouse_conn, [slow_entry, fast_entry]) == {
        slow_entry: 2,
        fast_entry: 2,
    }

    again = load_ledger(ledger_dsn, warehouse_dsn)
    assert all(result.rows_loaded == 0 for result in again)
    count = warehouse_conn.execute(
        "select count(*) from raw.ledger_entries where merchant_id = %s", (merchant_id,)
    ).fetchone()
    assert count == (2,)
    assert _postings_per_transfer(warehouse_conn, [slow_entry, fast_entry]) == {
        slow_entry: 2,
        fast_entry: 2,
    }


def _postings_per_transfer(
    warehouse: psycopg.Connection, transfer_ids: list[str]
) -> dict[str, int]:
    rows = warehouse.execute(
        "select t.transfer_id::text, count(p.posting_id) from raw.ledger_transfers t"
        " left join raw.ledger_postings p using (transfer_id)"
        " where t.transfer_id = any(%s::uuid[]) group by 1",
        (transfer_ids,),
    ).fetchall()
    return dict(rows)


def test_rolled_back_rows_never_arrive(
    dsns: tuple[str, str], warehouse_conn: psycopg.Connection, merchant_id: str
) -> None:
    ledger_dsn, warehouse_dsn = dsns
    with psycopg.connect(ledger_dsn) as aborted:
        ghost = _insert_entry(aborted, merchant_id, 5)
        aborted.rollback()
    load_ledger(ledger_dsn, warehouse_dsn)
    assert _loaded(warehouse_conn, [ghost]) == []
    merchants = warehouse_conn.execute(
        "select _source, _batch_id is not null, _loaded_at is not null from raw.ledger_merchants"
        " where merchant_id = %s",
        (merchant_id,),
    ).fetchall()
    assert merchants == [("ledger", True, True)]


def test_ledger_balances_count_only_what_the_warehouse_has_loaded(
    dsns: tuple[str, str],
    ledger_sessions: sessionmaker[Session],
    warehouse_conn: psycopg.Connection,
    merchant_id: str,
) -> None:
    """The check's ledger side: the cash account's totals less the postings above the watermark,
    so an entry posted after the load is not counted until a load copies it."""
    ledger_dsn, warehouse_dsn = dsns

    def record(entry_type: str, amount_minor: int) -> None:
        merchants.record_entry(
            ledger_sessions,
            cli_actor("tests"),
            merchant_id,
            merchants.NewEntry(entry_type, amount_minor, datetime.now(UTC), "x", "y"),
        )

    record("credit", 10_000)
    record("debit", 2_550)
    load_ledger(ledger_dsn, warehouse_dsn)
    record("credit", 1)  # committed after the load: not in the warehouse yet
    watermark = current_watermark(warehouse_conn, ENTRIES.watermark_source)
    assert watermark is not None

    assert merchant_balances(ledger_dsn, watermark)[merchant_id] == 7_450
    load_ledger(ledger_dsn, warehouse_dsn)
    later = current_watermark(warehouse_conn, ENTRIES.watermark_source)
    assert later is not None
    assert merchant_balances(ledger_dsn, later)[merchant_id] == 7_451


def test_each_raw_ledger_table_indexes_its_loaded_at_once(
    dsns: tuple[str, str], warehouse_conn: psycopg.Connection
) -> None:
    """Every load maintains every index, so a second one on `_loaded_at` (as earlier versions made
    on postings, transfers and entries) is dropped by the next load."""
    ledger_dsn, warehouse_dsn = dsns
    load_ledger(ledger_dsn, warehouse_dsn)
    warehouse_conn.execute(
        "create index if not exists ix_ledger_postings_loaded_at"
        " on raw.ledger_postings (_loaded_at)"
    )
    warehouse_conn.commit()
    load_ledger(ledger_dsn, warehouse_dsn)
    rows = warehouse_conn.execute(
        "select tablename, count(*) from pg_indexes"
        " where schemaname = 'raw' and tablename = any(%s) and indexdef like '%%(_loaded_at)'"
        " group by tablename",
        ([table.raw_table.split(".")[1] for table in LEDGER_TABLES],),
    ).fetchall()
    assert dict(rows) == {table.raw_table.split(".")[1]: 1 for table in LEDGER_TABLES}
