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
    assert {"merchants", "entries", "alembic_version"} <= _ledger_tables(empty_database)
    upgrade(empty_database)  # a second run is a no-op, not an error
    with psycopg.connect(libpq_url(empty_database)) as conn:
        version = conn.execute("select version_num from ledger.alembic_version").fetchone()
    assert version == (head_revision(),)


def test_migrations_downgrade_to_empty(empty_database: str) -> None:
    from alembic import command

    upgrade(empty_database)
    command.downgrade(alembic_config(empty_database), "base")
    assert _ledger_tables(empty_database) == {"alembic_version"}


def test_database_enforces_positive_amounts(empty_database: str) -> None:
    upgrade(empty_database)
    with psycopg.connect(libpq_url(empty_database)) as conn:
        conn.execute("insert into ledger.merchants (merchant_id, name) values ('m-db', 'M')")
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute(
                "insert into ledger.entries (entry_id, merchant_id, entry_type, amount_minor,"
                " currency, occurred_at, description, category)"
                " values (gen_random_uuid(), 'm-db', 'credit', 0, 'BRL', now(), 'x', 'y')"
            )
