"""The long-running servers, as commands: the ledger API and its worker, the Dagster UI, the
dashboard, and the simulated bank and KYC provider."""

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from fluxo.settings import Settings
from fluxo.urls import psycopg2_url

REPO_ROOT = Path(__file__).resolve().parents[1]
BIN_DIR = Path(sys.executable).parent


@dataclass(frozen=True)
class Server:
    name: str
    command: list[str]
    host: str
    port: int
    open_path: str  # what a person opens
    ready_path: str | None  # what answers once the server is up; None: nothing to ask

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return self.base_url + self.open_path

    @property
    def ready_url(self) -> str | None:
        return None if self.ready_path is None else self.base_url + self.ready_path


def prepare_dagster_home(settings: Settings) -> Path:
    """DAGSTER_HOME under FLUXO_HOME, holding the repository's dagster.yaml (SQLite storage in
    that folder), or dagster-postgres.yaml when FLUXO_DAGSTER_STORAGE_URL is set."""
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    on_postgres = settings.dagster_storage_url is not None
    instance_yaml = "dagster-postgres.yaml" if on_postgres else "dagster.yaml"
    shutil.copyfile(REPO_ROOT / instance_yaml, home / "dagster.yaml")
    return home


def child_environment(settings: Settings) -> dict[str, str]:
    """What every child needs to find the same state, whatever its working directory."""
    environment = {
        "FLUXO_HOME": str(settings.home_dir),
        "DAGSTER_HOME": str(prepare_dagster_home(settings)),
    }
    if settings.dagster_storage_url is not None:
        environment["FLUXO_DAGSTER_STORAGE_URL"] = psycopg2_url(settings.dagster_storage_url)
    return environment


def api_server(settings: Settings) -> Server:
    return Server(
        name="Ledger API",
        command=[
            str(BIN_DIR / "uvicorn"),
            "core_ledger.api.app:create_app",
            "--factory",
            "--host",
            settings.host,
            "--port",
            str(settings.api_port),
            "--workers",
            str(settings.api_workers),
            # On SIGTERM, requests in flight get this long to finish.
            "--timeout-graceful-shutdown",
            "10",
        ],
        host=settings.host,
        port=settings.api_port,
        open_path="/docs",
        ready_path="/health",
    )


def ledger_worker(settings: Settings) -> Server:
    """The read-model projector and hold expiry; it serves no HTTP."""
    return Server(
        name="Ledger worker",
        command=[str(BIN_DIR / "fluxo"), "serve", "worker"],
        host=settings.host,
        port=0,
        open_path="",
        ready_path=None,
    )


def dagster_server(settings: Settings) -> Server:
    return Server(
        name="Dagster UI",
        command=[
            str(BIN_DIR / "dagster"),
            "dev",
            "-m",
            "orchestration.definitions",
            "--host",
            settings.host,
            "--port",
            str(settings.dagster_port),
        ],
        host=settings.host,
        port=settings.dagster_port,
        open_path="",
        ready_path="/server_info",
    )


def dashboard_server(settings: Settings) -> Server:
    return Server(
        name="Dashboard",
        command=[
            str(BIN_DIR / "streamlit"),
            "run",
            str(REPO_ROOT / "dashboards" / "app.py"),
            "--server.address",
            settings.host,
            "--server.port",
            str(settings.dashboard_port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--client.toolbarMode",
            "viewer",
        ],
        host=settings.host,
        port=settings.dashboard_port,
        open_path="",
        ready_path="/_stcore/health",
    )


def _simulator(settings: Settings, name: str, source: str, port: int) -> Server:
    return Server(
        name=name,
        command=[str(BIN_DIR / "fluxo"), "serve", source],
        host=settings.host,
        port=port,
        open_path="/docs",
        ready_path="/admin/faults",
    )


def openfinance_simulator(settings: Settings) -> Server:
    return _simulator(
        settings, "Bank simulator", "openfinance", settings.openfinance_simulator_port
    )


def kyc_simulator(settings: Settings) -> Server:
    return _simulator(settings, "KYC simulator", "kyc", settings.kyc_simulator_port)


def simulator_environment(settings: Settings) -> dict[str, str]:
    """Points the Open Finance and KYC clients (FLUXO_OPENFINANCE_*, FLUXO_KYC_*) at the local
    simulators."""
    return {
        "FLUXO_OPENFINANCE_BASE_URL": openfinance_simulator(settings).base_url,
        "FLUXO_KYC_URL": kyc_simulator(settings).base_url,
    }
