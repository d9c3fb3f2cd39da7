"""The warehouse copy of the ledger misses no transaction that commits late, and never doubles."""

import uuid

import psycopg
import pytest

from fluxo.databases import DatabaseUrls
from ingestion.ledger.load import load_ledger


@pytest.fixture
def dsns(
    database_urls: DatabaseUrls, ledger_conn: psycopg.Connection, merchant_id: str
) -> tuple[str, str]:
    """Ledger and warehouse connection strings, with this test's merchant registered."""
    ledger_conn.execute(
        "insert into ledger.merchants (merchant_id, name) values (%s, 'M')", (merchant_id,)
    )
    return database_urls.ledger_dsn, database_urls.warehouse_dsn


def _insert_entry(conn: psycopg.Connection, merchant_id: str, amount_minor: int) -> str:
    entry_id = str(uuid.uuid4())
    conn.execute(
        "insert into ledger.entries (entry_id, merchant_id, entry_type, amount_minor, currency,"
        " occurred_at, description, category)"
        " values (%s, %s, 'credit', %s, 'BRL', now(), 'x', 'y')",
        (entry_id, merchant_id, amount_minor),
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

    again = load_ledger(ledger_dsn, warehouse_dsn)
    assert all(result.rows_loaded == 0 for result in again)
    count = warehouse_conn.execute(
        "select count(*) from raw.ledger_entries where merchant_id = %s", (merchant_id,)
    ).fetchone()
    assert count == (2,)


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
