import psycopg
import pytest

from core_ledger.migrate import alembic_config, head_revision, upgrade
from fluxo.urls import libpq_url
from tests.conftest import create_database, drop_database


@pytest.fixture
def empty_database(admin_url: str):  # type: ignore[no-untyped-def]
    url = create_database(admin_url, "test_empty")
    yield url
    drop_database(admin_url, url)


def _ledger_tables(url: str) -> set[str]:
    with psycopg.connect(libpq_url(url)) as conn:
        rows = conn.execute(
            "select table_name from information_schema.tables where table_schema = 'ledger'"
        ).fetchall()
    return {row[0] for row in rows}


def test_migrations_apply_from_empty_and_again(empty_database: str) -> None:
    assert _ledger_tables(empty_database) == set()
    upgrade(empty_database)
    assert {"tenants", "accounts", "transfers", "postings", "holds", "audit_log", "outbox"} <= (
        _ledger_tables(empty_database)
    )
    upgrade(empty_database)  # a second run is a no-op, not an error
    with psycopg.connect(libpq_url(empty_database)) as conn:
        version = conn.execute("select version_num from ledger.alembic_version").fetchone()
    assert version == (head_revision(),)


def test_migrations_downgrade_to_empty(empty_database: str) -> None:
    from alembic import command

    upgrade(empty_database)
    command.downgrade(alembic_config(empty_database), "base")
    assert _ledger_tables(empty_database) == {"alembic_version"}


def test_foundation_data_moves_onto_double_entry(empty_database: str) -> None:
    """Merchants and entries written by revision 0002 become tenants, accounts, transfers and
    postings with the same ids and balances; the views still show them as before."""
    upgrade(empty_database, "0002")
    with psycopg.connect(libpq_url(empty_database)) as conn:
        conn.execute("insert into ledger.merchants (merchant_id, name) values ('loja-a', 'A')")
        for entry_type, amount in (("credit", 10_000), ("debit", 2_550), ("credit", 1)):
            conn.execute(
                "insert into ledger.entries (entry_id, merchant_id, entry_type, amount_minor,"
                " currency, occurred_at, description, category)"
                " values (gen_random_uuid(), 'loja-a', %s, %s, 'BRL', now(), 'x', 'y')",
                (entry_type, amount),
            )
        before = conn.execute(
            "select entry_id, entry_type, amount_minor from ledger.entries order by entry_id"
        ).fetchall()
    upgrade(empty_database)
    with psycopg.connect(libpq_url(empty_database)) as conn:
        after = conn.execute(
            "select entry_id, entry_type, amount_minor from ledger.entries order by entry_id"
        ).fetchall()
        cash = conn.execute(
            "select posted_credits_minor - posted_debits_minor, version, balance_policy"
            " from ledger.accounts where tenant_id = 'loja-a' and code = 'cash'"
        ).fetchone()
        last_balance = conn.execute(
            "select balance_after_minor from ledger.postings p join ledger.accounts a"
            " using (account_id) where a.code = 'cash' order by account_version desc limit 1"
        ).fetchone()
    assert after == before
    assert cash == (7_451, 3, "never_negative")
    assert last_balance == (7_451,)
