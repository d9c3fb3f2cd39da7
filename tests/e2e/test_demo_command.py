"""`fluxo demo`, the main job, as a user runs it: it serves three URLs with the demo data, stops
everything on Ctrl-C, and a second run reuses what exists without duplicating anything."""

import queue
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from dashboards.queries.warehouse import _warehouse_url
from fluxo import embedded
from fluxo.cli import DEMO_DASHBOARD_PASSWORD
from fluxo.processes import port_is_free
from fluxo.urls import libpq_url
from tests.conftest import dispose_all_engines
from tests.dashboard_app import log_in
from tests.e2e.cli import FLUXO, clean_environment, free_port, run_fluxo

READY_LINE = "Fluxo is running"
STARTUP_TIMEOUT_SECONDS = 420


class RunningDemo:
    def __init__(self, env: dict[str, str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self.process = subprocess.Popen(
            [FLUXO, "demo"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            self.output.append(line)
            if text in line:
                return
        raise AssertionError(f"{text!r} never appeared:\n{''.join(self.output)}")

    def interrupt(self, timeout: float = 90) -> int:
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout)
        while not self.lines.empty():
            self.output.append(self.lines.get())
        return code

    @property
    def text(self) -> str:
        return "".join(self.output)


@pytest.fixture
def demo_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    ports = {
        "FLUXO_API_PORT": free_port(),
        "FLUXO_DAGSTER_PORT": free_port(),
        "FLUXO_DASHBOARD_PORT": free_port(),
        "FLUXO_OPENFINANCE_SIMULATOR_PORT": free_port(),
        "FLUXO_KYC_SIMULATOR_PORT": free_port(),
    }
    env = clean_environment(
        FLUXO_HOME=str(tmp_path / "home"), **{k: str(v) for k, v in ports.items()}
    )
    yield env
    embedded.stop(tmp_path / "home" / "pgdata")  # only if a failed test left it running


def _ledger_entry_count(home: Path) -> int:
    url = embedded.url(home / "pgdata", embedded.LEDGER_DATABASE)
    assert url is not None
    with psycopg.connect(libpq_url(url)) as conn:
        row = conn.execute("select count(*) from ledger.entries").fetchone()
    assert row is not None
    return int(row[0])


def _raw_row_count(home: Path, table: str) -> int:
    url = embedded.url(home / "pgdata", embedded.WAREHOUSE_DATABASE)
    assert url is not None
    with psycopg.connect(libpq_url(url)) as conn:
        row = conn.execute(f"select count(*) from raw.{table}").fetchone()
    assert row is not None
    return int(row[0])


def _dashboard_final_balances(home: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    for name in ("FLUXO_DATABASE_URL", "FLUXO_WAREHOUSE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FLUXO_HOME", str(home))
    _warehouse_url.clear()
    # The demo's own finance login, as README gives it.
    page = log_in("financeiro", DEMO_DASHBOARD_PASSWORD)
    _warehouse_url.clear()
    dispose_all_engines()  # before the demo stops the server they point at
    assert not page.exception
    return [metric.value for metric in page.metric if metric.label == "Saldo final"]


def test_demo_serves_the_data_stops_cleanly_and_reruns_without_duplicates(
    demo_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = Path(demo_env["FLUXO_HOME"])
    api = f"http://127.0.0.1:{demo_env['FLUXO_API_PORT']}"
    dagster = f"http://127.0.0.1:{demo_env['FLUXO_DAGSTER_PORT']}"
    dashboard = f"http://127.0.0.1:{demo_env['FLUXO_DASHBOARD_PORT']}"
    bank = f"http://127.0.0.1:{demo_env['FLUXO_OPENFINANCE_SIMULATOR_PORT']}"
    kyc = f"http://127.0.0.1:{demo_env['FLUXO_KYC_SIMULATOR_PORT']}"

    first = RunningDemo(demo_env)
    try:
        first.wait_for(READY_LINE, STARTUP_TIMEOUT_SECONDS)
        first.wait_for("logs in", 10)
        assert "dashboard logins financeiro, compliance, admin" in first.text
        for url in (f"{api}/docs", dagster, dashboard, f"{bank}/docs", f"{kyc}/docs"):
            assert url in first.text
        for simulator in (bank, kyc):
            assert httpx.get(f"{simulator}/docs").status_code == 200
        # The pipeline read the simulated bank and KYC provider.
        assert len(httpx.get(f"{bank}/admin/discrepancies").json()) > 0
        assert _raw_row_count(home, "openfinance_transactions") > 3000
        assert _raw_row_count(home, "kyc_cnpj_results") > 0
        assert httpx.get(f"{api}/docs").status_code == 200
        assert (
            "/v1/merchants/{merchant_id}/entries"
            in httpx.get(f"{api}/openapi.json").json()["paths"]
        )
        assert httpx.get(f"{dagster}/server_info").status_code == 200
        assert httpx.get(f"{dashboard}/_stcore/health").text == "ok"
        issued = run_fluxo("keys", "create", "--name", "e2e", "--role", "auditor", env=demo_env)
        assert issued.returncode == 0, issued.stdout + issued.stderr
        auditor = {"X-API-Key": issued.stdout.strip().splitlines()[-1]}
        balances = httpx.get(
            f"{api}/v1/merchants/padaria-pao-dourado/daily-balances", headers=auditor
        ).json()
        assert len(balances["days"]) == 30
        # The worker has projected every posting: today's closing is the cash account's balance.
        cash = httpx.get(f"{api}/v1/accounts/{balances['account_id']}", headers=auditor).json()
        assert balances["days"][-1]["closing_balance"] == cash["balance"]
        assert float(cash["balance"]) > 0
        entries = _ledger_entry_count(home)
        assert entries > 3000
        shown = _dashboard_final_balances(home, monkeypatch)
        assert shown and shown[0].startswith("R$ ")
    finally:
        code = first.interrupt()
    assert code == 0, first.text
    assert "Stopping embedded PostgreSQL" in first.text
    assert not embedded.status(home / "pgdata").running
    for port in (
        "FLUXO_API_PORT",
        "FLUXO_DAGSTER_PORT",
        "FLUXO_DASHBOARD_PORT",
        "FLUXO_OPENFINANCE_SIMULATOR_PORT",
        "FLUXO_KYC_SIMULATOR_PORT",
    ):
        assert port_is_free("127.0.0.1", int(demo_env[port])), port

    second = RunningDemo(demo_env)
    try:
        second.wait_for(READY_LINE, STARTUP_TIMEOUT_SECONDS)
        assert "0 merchants registered" in second.text
        posted = re.search(r"(\d+) entries posted, (\d+) already present", second.text)
        assert posted is not None, second.text
        # On the same São Paulo day nothing is new; past midnight only the new day's entries are.
        new_entries, already_present = int(posted[1]), int(posted[2])
        assert new_entries < 200
        assert already_present >= entries - 200
        assert _ledger_entry_count(home) == entries + new_entries
    finally:
        assert second.interrupt() == 0, second.text
