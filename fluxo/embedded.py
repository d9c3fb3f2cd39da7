"""The embedded PostgreSQL server (the `pgserver` wheel) that runs under FLUXO_HOME by default."""

import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import psycopg
import psycopg.sql

# pgserver keeps a lock file in the user runtime dir; without XDG_RUNTIME_DIR it falls back to /tmp
# and warns on every import, which would clutter every command's output.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
import pgserver  # noqa: E402
from pgserver.postgres_server import get_server  # noqa: E402
from pgserver.utils import PostmasterInfo  # noqa: E402

# PostgreSQL's own programs (pg_ctl, pgbench, ...) as bundled in the wheel.
BIN_DIR = Path(pgserver.__file__).parent / "pginstall" / "bin"

LEDGER_DATABASE = "fluxo_ledger"
WAREHOUSE_DATABASE = "fluxo_warehouse"


@dataclass(frozen=True)
class EmbeddedStatus:
    running: bool
    data_dir: Path
    pid: int | None = None
    socket_dir: Path | None = None
    port: int | None = None


def start(data_dir: Path) -> str:
    """Start the server (or reuse the one already running there) and return its admin URL.

    cleanup_mode=None keeps the server alive after this process exits, so the API, Dagster and
    Streamlit processes all share it; `fluxo db stop` ends it.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir, cleanup_mode=None)
    info = server.get_postmaster_info()
    return _url(info, "postgres")


def status(data_dir: Path) -> EmbeddedStatus:
    info = PostmasterInfo.read_from_pgdata(data_dir) if data_dir.exists() else None
    if info is None or not info.is_running():
        return EmbeddedStatus(running=False, data_dir=data_dir)
    return EmbeddedStatus(
        running=True, data_dir=data_dir, pid=info.pid, socket_dir=info.socket_dir, port=info.port
    )


def url(data_dir: Path, database: str) -> str | None:
    info = PostmasterInfo.read_from_pgdata(data_dir) if data_dir.exists() else None
    if info is None or not info.is_running():
        return None
    return _url(info, database)


def stop(data_dir: Path, timeout_seconds: float = 30.0) -> bool:
    """Stop the server with a fast shutdown; return False when none was running."""
    info = PostmasterInfo.read_from_pgdata(data_dir) if data_dir.exists() else None
    if info is None or not info.is_running() or info.process is None:
        return False
    # SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, then exit cleanly.
    info.process.send_signal(2)
    deadline = time.monotonic() + timeout_seconds
    while info.process.is_running() and time.monotonic() < deadline:
        time.sleep(0.1)
    return True


def ensure_databases(admin_url: str, names: tuple[str, ...]) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for name in names:
            exists = conn.execute(
                "select 1 from pg_database where datname = %s", (name,)
            ).fetchone()
            if exists is None:
                conn.execute(
                    psycopg.sql.SQL("create database {}").format(psycopg.sql.Identifier(name))
                )


def _url(info: PostmasterInfo, database: str) -> str:
    # A unix socket: no password, no TCP port to collide with anything else on the machine.
    port = info.port or 5432
    return f"postgresql+psycopg://postgres@/{database}?host={info.socket_dir}&port={port}"
