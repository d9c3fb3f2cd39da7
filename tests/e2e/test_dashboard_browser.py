"""The running dashboard in a real headless Chromium: `fluxo serve dashboard`, the login form
filled in and sent as a person would, then the cash-flow page shows the warehouse's numbers.
A screenshot is kept in the test's tmp dir."""

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from dashboards.components.formatting import format_brl
from dashboards.users import DashboardRole
from fluxo import pipeline
from fluxo.databases import DatabaseUrls
from tests.browser import CHROMIUM, Browser, chromium_available
from tests.dashboard_app import TEST_PASSWORD
from tests.e2e.cli import FLUXO, free_port

pytestmark = pytest.mark.skipif(
    not chromium_available(),
    reason=f"no Chromium at {CHROMIUM}: install Debian's `chromium` (.ci/run does)",
)


@pytest.fixture
def dashboard_url(pipeline_run: pipeline.PipelineSummary, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "FLUXO_HOST": "127.0.0.1", "FLUXO_DASHBOARD_PORT": str(port)}
    log = (tmp_path / "dashboard.log").open("w")
    server = subprocess.Popen(
        [FLUXO, "serve", "dashboard"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        restore_signals=True,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                if httpx.get(f"{url}/_stcore/health", timeout=1).text == "ok":
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, (tmp_path / "dashboard.log").read_text()
            time.sleep(0.25)
        else:
            pytest.fail("the dashboard did not answer /_stcore/health in 60 s")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def test_a_finance_user_logs_in_and_sees_the_cash_flow(
    dashboard_url: str,
    dashboard_users: dict[DashboardRole, str],
    database_urls: DatabaseUrls,
    tmp_path: Path,
) -> None:
    # The page opens on the first merchant by name, its cash account, up to its latest day.
    with psycopg.connect(database_urls.warehouse_dsn) as warehouse:
        row = warehouse.execute(
            "select merchants.merchant_name, days.closing_balance_minor"
            " from marts.fct_daily_cash_flow as days"
            " join marts.dim_merchants as merchants using (merchant_id)"
            " where days.account_code = 'cash'"
            " order by merchants.merchant_name, days.business_date desc limit 1"
        ).fetchone()
    assert row is not None
    merchant_name, closing = row

    with Browser(tmp_path / "chromium") as browser:
        browser.open(dashboard_url)
        browser.wait_for("!!document.querySelector('input[type=password]')")
        browser.screenshot(tmp_path / "login.png")
        browser.type_into("input[aria-label='Usuário']", dashboard_users[DashboardRole.finance])
        browser.type_into("input[type=password]", TEST_PASSWORD)
        browser.evaluate(
            "[...document.querySelectorAll('button')]"
            ".find(button => button.innerText.trim() === 'Entrar').click()"
        )
        # Streamlit sends the page in pieces: wait for its last section and the expected figure.
        text = browser.wait_for(
            "document.body.innerText.includes('Lançamentos do dia')"
            f" && document.body.innerText.includes({format_brl(closing)!r})"
            " && document.body.innerText"
        )
        shown = browser.evaluate(
            "({metrics: [...document.querySelectorAll('[data-testid=stMetric]')]"
            ".map(metric => metric.innerText.replace(/\\s+/g, ' ').trim()),"
            " inputs: [...document.querySelectorAll('input')].map(input => input.value)})"
        )
        shot = browser.screenshot(tmp_path / "fluxo-de-caixa.png")

    assert "Fluxo de caixa" in text and "Consolidado diário" in text
    assert any(m.startswith(f"Saldo final {format_brl(closing)}") for m in shown["metrics"]), shown
    assert merchant_name in shown["inputs"], shown  # the merchant picker's choice
    assert "Compliance" not in text  # not in a finance user's navigation
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")
