"""The `analyst` role reads the marts, and nothing else of the warehouse."""

from collections.abc import Iterator

import psycopg
import pytest

from fluxo.databases import DatabaseUrls
from fluxo.warehouse_access import grant_analyst_access


@pytest.fixture
def warehouse(database_urls: DatabaseUrls) -> Iterator[psycopg.Connection]:
    """The warehouse with a table in each layer; dropped afterwards."""
    with psycopg.connect(database_urls.warehouse_dsn, autocommit=True) as conn:
        for schema in ("raw", "staging", "marts"):
            conn.execute(f"create table {schema}.analyst_probe (n int)")
            conn.execute(f"insert into {schema}.analyst_probe values (1)")
        grant_analyst_access(conn)
        # Built after the grants, as dbt builds tables: default privileges cover it.
        conn.execute("create table marts.analyst_probe_later as select 2 as n")
        yield conn
        conn.execute("reset role")
        for table in ("raw", "staging", "marts"):
            conn.execute(f"drop table {table}.analyst_probe")
        conn.execute("drop table marts.analyst_probe_later")


def test_analyst_reads_marts_including_tables_built_later(warehouse: psycopg.Connection) -> None:
    warehouse.execute("set role analyst")
    assert warehouse.execute("select n from marts.analyst_probe").fetchall() == [(1,)]
    assert warehouse.execute("select n from marts.analyst_probe_later").fetchall() == [(2,)]


@pytest.mark.parametrize("schema", ["raw", "staging"])
def test_analyst_cannot_read_other_layers(warehouse: psycopg.Connection, schema: str) -> None:
    warehouse.execute("set role analyst")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        warehouse.execute(f"select n from {schema}.analyst_probe")


def test_analyst_cannot_write_to_marts(warehouse: psycopg.Connection) -> None:
    warehouse.execute("set role analyst")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        warehouse.execute("insert into marts.analyst_probe values (3)")


def test_granting_twice_changes_nothing(warehouse: psycopg.Connection) -> None:
    grant_analyst_access(warehouse)
    warehouse.execute("set role analyst")
    assert warehouse.execute("select count(*) from marts.analyst_probe").fetchone() == (1,)
