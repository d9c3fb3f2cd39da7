"""The warehouse connection the pages share, and the one way they read the marts (cached), plus
the one uncached read of something else: clear documents, for the roles that may see them; and a
connection from the same pool for the dashboard's own tables (logins, alert decisions)."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
import psycopg
import streamlit as st
from psycopg.errors import UndefinedTable
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError
from streamlit.connections import SQLConnection

from fluxo import databases
from fluxo.settings import Settings

TTL_SECONDS = 60


class MartsNotBuilt(Exception):
    """The marts do not exist yet: the pipeline has not run on this warehouse."""


@st.cache_resource
def _warehouse_url() -> str:
    return databases.resolve(Settings()).warehouse


def warehouse(url: str) -> SQLConnection:
    return st.connection("warehouse", type="sql", url=url)


@contextmanager
def dashboard_connection() -> Iterator[psycopg.Connection]:
    """A psycopg connection from the pages' pool for the `dashboard` schema (dashboards/users.py,
    dashboards/alert_reviews.py take one), never cached; committed when the block ends, rolled
    back if it raises. The session's user is checked on every run: a connection of its own each
    time would pay a connect on every click (2.5 ms measured on the embedded server's socket)."""
    with warehouse(_warehouse_url()).connect() as pooled:
        connection = pooled.connection.driver_connection
        assert isinstance(connection, psycopg.Connection)  # fluxo.urls makes the driver psycopg 3
        try:
            yield connection
        except BaseException:
            connection.rollback()
            raise
        connection.commit()


def read_marts(sql: str, params: dict[str, Any]) -> pd.DataFrame:
    """Run a parameterized query on the marts, cached for TTL_SECONDS per warehouse."""
    return _read(_warehouse_url(), sql, params)


def read_uncached(sql: str, params: dict[str, Any]) -> pd.DataFrame:
    """Like read_marts, but never kept in the cache: for clear CPF/CNPJ, which must not stay in
    the server's memory shared by every session."""
    return _query(_warehouse_url(), sql, params)


def forget_cached_reads() -> None:
    """After the page writes (a decision on an alert): the next reads show it at once."""
    _read.clear()


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _read(url: str, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    return _query(url, sql, params)


def _query(url: str, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    # The connection goes back to the pool when the query ends. SQLConnection.query leaves that to
    # the garbage collector, which can hold connections until the pool runs dry.
    try:
        with warehouse(url).connect() as connection:
            result = connection.execute(text(sql), params)
            return pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    except ProgrammingError as error:
        if isinstance(error.orig, UndefinedTable):
            raise MartsNotBuilt from error
        raise
