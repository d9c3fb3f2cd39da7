"""The `fluxo` subcommands a user runs on their own: db, seed and serve."""

import os
import re
import signal
from datetime import timedelta
from pathlib import Path

import httpx
import psycopg
import pytest

from fluxo.databases import DatabaseUrls
from fluxo.demo_onboarding import demo_bank_accounts, demo_customer_profiles
from fluxo.processes import start_service
from ingestion.business_day import business_today
from tests.e2e.cli import FLUXO, clean_environment, free_port, run_fluxo
from tests.webhook import recording_webhook


def test_db_start_status_url_stop(tmp_path: Path) -> None:
    env = clean_environment(FLUXO_HOME=str(tmp_path / "home"))
    assert "stopped" in run_fluxo("db", "status", env=env).stdout
    assert run_fluxo("db", "url", env=env).returncode == 1  # not running: a one-line error

    started = run_fluxo("db", "start", env=env)
    assert started.returncode == 0, started.stdout + started.stderr
    try:
        assert "running" in run_fluxo("db", "status", env=env).stdout
        for database in ("ledger", "warehouse"):
            url = run_fluxo("db", "url", database, env=env).stdout.strip()
            assert url.startswith("postgresql+psycopg://")
            libpq = url.replace("postgresql+psycopg://", "postgresql://")
            with psycopg.connect(libpq) as conn:
                assert conn.execute("select current_database()").fetchone() == (
                    f"fluxo_{database}",
                )
        again = run_fluxo("db", "start", env=env)  # reuses the running server
        assert again.returncode == 0
    finally:
        stopped = run_fluxo("db", "stop", env=env)
    assert "stopped" in stopped.stdout
    assert "stopped" in run_fluxo("db", "status", env=env).stdout
    assert "was not running" in run_fluxo("db", "stop", env=env).stdout


def _seeded(output: str) -> tuple[int, int]:
    match = re.search(r"(\d+) entries posted, (\d+) already present", output)
    assert match is not None, output
    return int(match[1]), int(match[2])


def _onboarded(output: str) -> tuple[int, int, int]:
    match = re.search(r"(\d+) customers onboarded, (\d+) updated, (\d+) unchanged", output)
    assert match is not None, output
    return int(match[1]), int(match[2]), int(match[3])


def _bank_accounts(output: str) -> tuple[int, int]:
    match = re.search(r"(\d+) bank accounts registered, (\d+) already", output)
    assert match is not None, output
    return int(match[1]), int(match[2])


def test_seed_through_an_api_in_process_twice_posts_once(
    database_urls: DatabaseUrls, ledger_conn: psycopg.Connection, tmp_path: Path
) -> None:
    env = clean_environment(
        FLUXO_HOME=str(tmp_path / "home"),
        FLUXO_DATABASE_URL=database_urls.ledger,
        FLUXO_WAREHOUSE_URL=database_urls.warehouse,
    )
    first = run_fluxo("seed", "--days", "3", env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    posted, already = _seeded(first.stdout)
    assert posted > 20
    assert already == 0

    onboarded, updated, unchanged = _onboarded(first.stdout)
    assert onboarded + unchanged == len(demo_customer_profiles()) and updated == 0
    registered, already = _bank_accounts(first.stdout)
    assert registered + already == len(demo_bank_accounts())

    second = run_fluxo("seed", "--days", "3", env=env)
    assert _seeded(second.stdout) == (0, posted)
    assert _onboarded(second.stdout) == (0, 0, len(demo_customer_profiles()))
    assert _bank_accounts(second.stdout) == (0, len(demo_bank_accounts()))
    accounts = ledger_conn.execute(
        "select merchant_id, bank_account_id from onboarding.bank_accounts"
        " where source = 'openfinance' and merchant_id = any(%s)",
        ([account.merchant_id for account in demo_bank_accounts()],),
    ).fetchall()
    assert sorted(accounts) == sorted(
        (account.merchant_id, account.bank_account_id) for account in demo_bank_accounts()
    )
    count = ledger_conn.execute(
        "select count(*) from ledger.entries where external_id like 'demo:%'"
    ).fetchone()
    assert count == (posted,)


@pytest.mark.parametrize(
    ("server", "port_variable", "ready_path"),
    [
        ("api", "FLUXO_API_PORT", "/health"),
        ("dashboard", "FLUXO_DASHBOARD_PORT", "/_stcore/health"),
        ("dagster", "FLUXO_DAGSTER_PORT", "/server_info"),
    ],
)
def test_serve_runs_in_the_foreground_until_stopped(
    database_urls: DatabaseUrls, tmp_path: Path, server: str, port_variable: str, ready_path: str
) -> None:
    port = free_port()
    env = clean_environment(
        FLUXO_HOME=str(tmp_path / "home"),
        FLUXO_DATABASE_URL=database_urls.ledger,
        FLUXO_WAREHOUSE_URL=database_urls.warehouse,
        **{port_variable: str(port)},
    )
    base = f"http://127.0.0.1:{port}"
    service = start_service(
        server, [FLUXO, "serve", server], base, base + ready_path, tmp_path / "serve.log", env=env
    )
    try:
        assert httpx.get(base + ready_path).status_code == 200
    finally:
        os.killpg(service.process.pid, signal.SIGTERM)
        code = service.process.wait(30)
    # Stopped by SIGTERM: a clean exit, or the signal itself, and never a hang.
    assert code in (0, -signal.SIGTERM), (tmp_path / "serve.log").read_text()


@pytest.mark.parametrize(
    ("dates", "code", "message"),
    [
        (("--from", "2026-03-05", "--to", "2026-03-04"), 1, "is after --to"),
        (("--from", "2026-03-05", "--to", "2999-01-01"), 1, "is in the future"),
        (("--from", "2024-06-01", "--to", "2025-01-02"), 1, "before the first business date"),
        (("--from", "05/03/2026", "--to", "2026-03-06"), 2, "Invalid value for '--from'"),
    ],
)
def test_pipeline_backfill_refuses_a_range_it_cannot_run(
    tmp_path: Path, dates: tuple[str, ...], code: int, message: str
) -> None:
    """Refused in one line before anything starts: no database, no run."""
    env = clean_environment(FLUXO_HOME=str(tmp_path / "home"), COLUMNS="200")
    refused = run_fluxo("pipeline", "backfill", *dates, env=env)
    assert refused.returncode == code, refused.stdout + refused.stderr
    assert message in refused.stdout + refused.stderr
    assert not (tmp_path / "home" / "pgdata").exists()


def test_pipeline_backfill_that_fails_exits_non_zero_and_alerts_the_webhook(
    database_urls: DatabaseUrls, simulated_sources: None, tmp_path: Path
) -> None:
    """A bank that refuses our consent: the Open Finance step fails (not retried: permanent), the
    command says so in one line with exit code 1, and the run's failure reaches the webhook."""
    with recording_webhook() as webhook:
        env = clean_environment(
            FLUXO_HOME=str(tmp_path / "home"),
            FLUXO_DATABASE_URL=database_urls.ledger,
            FLUXO_WAREHOUSE_URL=database_urls.warehouse,
            FLUXO_OPENFINANCE_BASE_URL=os.environ["FLUXO_OPENFINANCE_BASE_URL"],
            FLUXO_OPENFINANCE_CONSENT_ID="urn:fluxo:consent:revoked",
            FLUXO_KYC_URL=os.environ["FLUXO_KYC_URL"],
            FLUXO_DOCUMENT_TOKEN_KEY=os.environ["FLUXO_DOCUMENT_TOKEN_KEY"],
            FLUXO_ALERT_WEBHOOK_URL=webhook.url,
            COLUMNS="200",
        )
        yesterday = (business_today() - timedelta(days=1)).isoformat()
        failed = run_fluxo("pipeline", "backfill", "--from", yesterday, "--to", yesterday, env=env)

    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "the pipeline run failed (steps: raw_openfinance_tables" in failed.stdout
    (alert,) = webhook.received
    assert alert["job"] == "daily_job"
    assert [step["step"] for step in alert["failed_steps"]] == ["raw_openfinance_tables"]
    assert "403" in alert["failed_steps"][0]["error"]
    assert alert["tags"]["dagster/asset_partition_range_start"] == yesterday
