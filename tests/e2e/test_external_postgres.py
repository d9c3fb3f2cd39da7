"""With FLUXO_DATABASE_URL and FLUXO_WAREHOUSE_URL set, Fluxo uses exactly those databases, on a
server it did not start, over TCP, and never starts the embedded one."""

import os
import pwd
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from pgserver._commands import POSTGRES_BIN_PATH
from pgserver.utils import ensure_user_exists

from core_ledger.api.app import create_app
from fluxo.settings import Settings
from tests.e2e.cli import clean_environment, free_port, run_fluxo

SERVER_USER = "pgserver"  # PostgreSQL refuses to run as root, so as root it runs as this user


@pytest.fixture(scope="module")
def external_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second PostgreSQL, started with its own initdb and pg_ctl, listening on TCP only."""
    root = tmp_path_factory.mktemp("external_pg")
    data_dir = root / "data"
    as_root = os.geteuid() == 0
    user = SERVER_USER if as_root else None
    if as_root:
        ensure_user_exists(SERVER_USER)
        for parent in [root, *root.parents]:
            parent.chmod(parent.stat().st_mode | 0o055)
        data_dir.mkdir()
        os.chown(data_dir, pwd.getpwnam(SERVER_USER).pw_uid, -1)
    port = free_port()
    bin_dir = Path(POSTGRES_BIN_PATH)
    subprocess.run(
        [bin_dir / "initdb", "-D", data_dir, "-U", "postgres", "--auth=trust", "-E", "utf8"],
        check=True,
        capture_output=True,
        user=user,
    )
    subprocess.run(
        [
            bin_dir / "pg_ctl",
            "-D",
            data_dir,
            "-w",
            "-l",
            data_dir / "server.log",
            "-o",
            f"-h 127.0.0.1 -p {port} -k {data_dir}",
            "start",
        ],
        check=True,
        capture_output=True,
        user=user,
    )
    admin = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("create database ext_ledger")
        conn.execute("create database ext_warehouse")
    yield f"postgresql://postgres@127.0.0.1:{port}"
    subprocess.run(
        [bin_dir / "pg_ctl", "-D", data_dir, "-w", "-m", "fast", "stop"],
        check=False,
        capture_output=True,
        user=user,
    )


def test_fluxo_runs_on_the_configured_server(
    external_server: str, tmp_path: Path, simulated_sources: None
) -> None:
    home = tmp_path / "home"
    env = clean_environment(
        FLUXO_HOME=str(home),
        # Plain URLs, as a user would write them; Fluxo names the driver itself.
        FLUXO_DATABASE_URL=f"{external_server}/ext_ledger",
        FLUXO_WAREHOUSE_URL=f"{external_server}/ext_warehouse",
        # A real warehouse needs the document token key set; the sources are the simulators.
        **{
            name: os.environ[name]
            for name in (
                "FLUXO_DOCUMENT_TOKEN_KEY",
                "FLUXO_OPENFINANCE_BASE_URL",
                "FLUXO_KYC_URL",
            )
        },
    )
    migrated = run_fluxo("migrate", env=env)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr

    settings = Settings(
        home=home,
        database_url=env["FLUXO_DATABASE_URL"],
        warehouse_url=env["FLUXO_WAREHOUSE_URL"],
    )
    issued = run_fluxo("keys", "create", "--name", "e2e", "--role", "operator", env=env)
    assert issued.returncode == 0, issued.stdout + issued.stderr
    api_key = issued.stdout.strip().splitlines()[-1]
    with TestClient(create_app(settings), headers={"X-API-Key": api_key}) as api:
        assert (
            api.post("/v1/merchants", json={"merchant_id": "ext-loja", "name": "Loja"}).status_code
            == 201
        )
        for amount, entry_type in (("250.00", "credit"), ("40.10", "debit")):
            response = api.post(
                "/v1/merchants/ext-loja/entries",
                json={
                    "type": entry_type,
                    "amount": amount,
                    "occurred_at": "2026-11-02T14:00:00-03:00",
                    "description": "x",
                    "category": "y",
                },
            )
            assert response.status_code == 201

    ran = run_fluxo("pipeline", "run", env=env, timeout=600)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "0 failed" in ran.stdout

    with psycopg.connect(f"{external_server}/ext_warehouse") as warehouse:
        closing = warehouse.execute(
            "select closing_balance_minor from marts.fct_daily_cash_flow"
            " where merchant_id = 'ext-loja' and account_code = 'cash'"
            " and business_date = '2026-11-02'"
        ).fetchone()
    assert closing == (20_990,)

    # Nothing embedded was started or created, and the CLI reports the configured URLs.
    assert not (home / "pgdata").exists()
    url = run_fluxo("db", "url", "warehouse", env=env)
    assert url.stdout.strip() == env["FLUXO_WAREHOUSE_URL"]


def test_unreachable_server_is_one_clear_line(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    env = clean_environment(
        FLUXO_HOME=str(tmp_path / "home"),
        FLUXO_DATABASE_URL=f"postgresql://postgres@127.0.0.1:{port}/nothing",
        FLUXO_WAREHOUSE_URL=f"postgresql://postgres@127.0.0.1:{port}/nothing",
    )
    result = run_fluxo("migrate", env=env)
    assert result.returncode == 1
    assert "cannot reach the ledger database" in result.stdout
    assert "FLUXO_DATABASE_URL" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
