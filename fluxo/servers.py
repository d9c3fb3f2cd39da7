"""The three long-running servers, as commands: the ledger API, the Dagster UI, the dashboard."""

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from fluxo.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]
BIN_DIR = Path(sys.executable).parent


@dataclass(frozen=True)
class Server:
    name: str
    command: list[str]
    port: int
    base_url: str
    url: str  # what a person opens
    ready_url: str  # what answers once the server is up


def prepare_dagster_home(settings: Settings) -> Path:
    """DAGSTER_HOME under FLUXO_HOME, holding the repository's dagster.yaml."""
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    return home


def child_environment(settings: Settings) -> dict[str, str]:
    """What every child needs to find the same state, whatever its working directory."""
    return {
        "FLUXO_HOME": str(settings.home_dir),
        "DAGSTER_HOME": str(prepare_dagster_home(settings)),
    }


def api_server(settings: Settings) -> Server:
    base = f"http://{settings.host}:{settings.api_port}"
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
            "--timeout-graceful-shutdown",
            "10",
        ],
        port=settings.api_port,
        base_url=base,
        url=f"{base}/docs",
        ready_url=f"{base}/health",
    )


def dagster_server(settings: Settings) -> Server:
    base = f"http://{settings.host}:{settings.dagster_port}"
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
        port=settings.dagster_port,
        base_url=base,
        url=base,
        ready_url=f"{base}/server_info",
    )


def dashboard_server(settings: Settings) -> Server:
    base = f"http://{settings.host}:{settings.dashboard_port}"
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
        port=settings.dashboard_port,
        base_url=base,
        url=base,
        ready_url=f"{base}/_stcore/health",
    )
