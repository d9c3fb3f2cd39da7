"""Shared fixtures: a real PostgreSQL server and fresh, migrated ledger and warehouse databases.

By default the server is an embedded one (pgserver) in a temporary directory; set
FLUXO_TEST_DATABASE_URL (an admin URL such as postgresql://postgres@127.0.0.1:5432/postgres) to
use another server. Each session gets its own databases, dropped at the end.
"""

import gc
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from core_ledger.access import cli_actor
from core_ledger.services import auth
from fluxo import embedded
from fluxo.databases import DatabaseUrls
from fluxo.migrations import migrate
from fluxo.urls import libpq_url, sqlalchemy_url, with_database
from ingestion.kyc.simulator import KycSimulator
from ingestion.kyc.simulator import simulator_in_thread as kyc_simulator_in_thread
from ingestion.openfinance.simulator import OpenFinanceSimulator
from ingestion.openfinance.simulator import simulator_in_thread as bank_simulator_in_thread


def dispose_all_engines() -> None:
    """Close every pooled connection. Pools cached by the code under test (the dashboard's
    st.connection, for one) would otherwise outlive the database or server a test removes, and log
    errors when finalized at exit."""
    for engine in [obj for obj in gc.get_objects() if _is_engine(obj)]:
        engine.dispose()


def _is_engine(obj: object) -> bool:
    # The heap holds weak proxies too (the browser test's); isinstance on one whose referent is
    # gone raises ReferenceError.
    try:
        return isinstance(obj, Engine)
    except ReferenceError:
        return False


@pytest.fixture(scope="session")
def admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    configured = os.environ.get("FLUXO_TEST_DATABASE_URL")
    if configured:
        yield sqlalchemy_url(configured)
        return
    data_dir = tmp_path_factory.mktemp("pg") / "pgdata"
    yield embedded.start(data_dir)
    embedded.stop(data_dir)


def create_database(admin_url: str, prefix: str) -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(libpq_url(admin_url), autocommit=True) as conn:
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    return with_database(admin_url, name)


def drop_database(admin_url: str, url: str) -> None:
    name = url.split("/")[-1].split("?")[0]
    with psycopg.connect(libpq_url(admin_url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )


@pytest.fixture(scope="session")
def database_urls(
    admin_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabaseUrls]:
    """Migrated ledger and warehouse databases, exported as FLUXO_* so every component uses them."""
    urls = DatabaseUrls(
        ledger=create_database(admin_url, "test_ledger"),
        warehouse=create_database(admin_url, "test_warehouse"),
    )
    migrate(urls)
    home = tmp_path_factory.mktemp("fluxo_home")
    saved = dict(os.environ)
    os.environ.update(
        {
            "FLUXO_DATABASE_URL": urls.ledger,
            "FLUXO_WAREHOUSE_URL": urls.warehouse,
            "FLUXO_HOME": str(home),
        }
    )
    yield urls
    os.environ.clear()
    os.environ.update(saved)
    dispose_all_engines()
    drop_database(admin_url, urls.ledger)
    drop_database(admin_url, urls.warehouse)


@pytest.fixture(scope="session")
def ledger_sessions(database_urls: DatabaseUrls) -> Iterator[sessionmaker[Session]]:
    engine = create_engine(database_urls.ledger)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


@pytest.fixture(scope="session")
def issue_key(ledger_sessions: sessionmaker[Session]) -> Callable[..., str]:
    def issue(role: str, tenant_id: str | None = None) -> str:
        issued = auth.create_key(
            ledger_sessions, cli_actor("tests"), f"test {role}", role, tenant_id
        )
        return issued.secret

    return issue


@pytest.fixture
def fluxo_home(database_urls: DatabaseUrls) -> Path:
    return Path(os.environ["FLUXO_HOME"])


@pytest.fixture
def ledger_conn(database_urls: DatabaseUrls) -> Iterator[psycopg.Connection]:
    with psycopg.connect(database_urls.ledger_dsn, autocommit=True) as conn:
        yield conn


@pytest.fixture
def warehouse_conn(database_urls: DatabaseUrls) -> Iterator[psycopg.Connection]:
    with psycopg.connect(database_urls.warehouse_dsn, autocommit=True) as conn:
        yield conn


@pytest.fixture
def merchant_id() -> str:
    """A merchant of this test's own, so tests sharing the session's databases never collide."""
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def simulated_sources(database_urls: DatabaseUrls) -> Iterator[None]:
    """The demo's bank (Open Finance) and KYC provider, served on threads, with the FLUXO_*
    variables that point the pipeline at them and the key it tokenizes documents with."""
    with (
        bank_simulator_in_thread(OpenFinanceSimulator()) as bank_url,
        kyc_simulator_in_thread(KycSimulator()) as kyc_url,
    ):
        os.environ.update(
            {
                "FLUXO_OPENFINANCE_BASE_URL": bank_url,
                "FLUXO_KYC_URL": kyc_url,
                "FLUXO_DOCUMENT_TOKEN_KEY": "test-document-token-key-" + "0" * 32,
            }
        )
        yield
