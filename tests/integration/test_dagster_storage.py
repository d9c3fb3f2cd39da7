"""The Dagster instance `fluxo` prepares: SQLite files under the Dagster home by default, a
PostgreSQL database when FLUXO_DAGSTER_STORAGE_URL is set."""

import os
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import psycopg
import pytest

from fluxo.databases import DatabaseUrls
from fluxo.servers import child_environment
from fluxo.settings import Settings
from fluxo.urls import libpq_url
from orchestration.defs.ledger.assets import raw_ledger_tables
from orchestration.defs.resources import FluxoDatabases
from tests.conftest import create_database, drop_database


def instance_for(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> dg.DagsterInstance:
    for name, value in child_environment(settings).items():
        monkeypatch.setenv(name, value)
    return dg.DagsterInstance.get()


def materialize_ledger_copy(instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [raw_ledger_tables], instance=instance, resources={"databases": FluxoDatabases()}
    )


@pytest.fixture
def storage_url(admin_url: str) -> Iterator[str]:
    """A fresh database on the test server, given as a user would: psycopg 3 driver named."""
    url = create_database(admin_url, "test_dagster")
    yield url
    drop_database(admin_url, url)


def test_by_default_runs_are_recorded_in_sqlite_under_the_dagster_home(
    database_urls: DatabaseUrls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(home=tmp_path / "home")
    with instance_for(settings, monkeypatch) as instance:
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"
        result = materialize_ledger_copy(instance)
        assert result.success
        assert instance.get_run_by_id(result.run_id) is not None
    assert os.environ["DAGSTER_HOME"] == str(settings.dagster_home)
    assert (settings.dagster_home / "history" / "runs.db").exists()


def test_with_a_storage_url_runs_and_events_are_recorded_in_postgres(
    database_urls: DatabaseUrls,
    storage_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = Settings(home=tmp_path / "home", dagster_storage_url=storage_url)
    assert child_environment(settings)["FLUXO_DAGSTER_STORAGE_URL"].startswith(
        "postgresql+psycopg2://"
    )
    with instance_for(settings, monkeypatch) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
        result = materialize_ledger_copy(instance)
        assert result.success

    with psycopg.connect(libpq_url(storage_url)) as conn:
        runs = conn.execute("select run_id, status from runs").fetchall()
        materialized = conn.execute(
            "select count(*) from event_logs"
            " where run_id = %s and dagster_event_type = 'ASSET_MATERIALIZATION'",
            (result.run_id,),
        ).fetchone()
    assert runs == [(result.run_id, "SUCCESS")]
    assert materialized is not None and materialized[0] == len(raw_ledger_tables.keys)
    assert not (settings.dagster_home / "history").exists()
