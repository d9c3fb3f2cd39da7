"""The embedded PostgreSQL server (the `pgserver` wheel) that runs under FLUXO_HOME by default."""

import os
import subprocess
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

from fluxo.urls import libpq_url  # noqa: E402

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
    Streamlit processes all share it; `fluxo db stop` ends it. A server this call starts runs with
    `server_settings()`; one already running gets them at its next start (those a reload can apply
    at once), so no client of it is cut off.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    was_running = status(data_dir).running
    server = get_server(data_dir, cleanup_mode=None)
    admin_url = _url(server.get_postmaster_info(), "postgres")
    if _write_settings(admin_url, server_settings(physical_memory_bytes())) and not was_running:
        # The server was started for this call, so nobody else is connected yet.
        # Output to the server's log, not to pipes: pg_ctl's child would hold a pipe open.
        subprocess.run(
            [BIN_DIR / "pg_ctl", "-D", data_dir, "-w", "-m", "fast", "-l", server.log, "restart"],
            user=server.system_user,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
        )
        info = PostmasterInfo.read_from_pgdata(data_dir)
        assert info is not None and info.is_running()
        admin_url = _url(info, "postgres")
    return admin_url


def server_settings(memory_bytes: int) -> dict[str, str]:
    """PostgreSQL's defaults (128 MB of shared buffers, 4 MB per sort or hash) are sized for a
    tiny machine, while the warehouse sorts, hashes and indexes millions of rows: at the 10M bench
    the hand-written daily consolidation took 23.0 s with them and 16.6 s with these. The server
    shares the machine with the API, Dagster, dbt and the dashboards, so it takes an eighth of
    the memory for buffers (at most 2 GB) rather than a dedicated server's quarter.

    Each sort or hash of a query may take work_mem (a parallel query once per worker), and dbt
    runs two models at a time, so it is a 256th of the memory (96 MB on 24 GiB), between
    PostgreSQL's 4 MB and 256 MB. At the 10M bench fct_daily_reconciliation sorted its 1.6M item
    sides on disk with 32 MB: 6.0 s, 3.3 s with 64 MB."""
    megabytes = memory_bytes // 2**20
    return {
        "shared_buffers": f"{min(max(megabytes // 8, 128), 2048)}MB",
        "effective_cache_size": f"{max(megabytes // 2, 512)}MB",
        "work_mem": f"{min(max(megabytes // 256, 4), 256)}MB",
        "maintenance_work_mem": "256MB",
        # Fewer checkpoints while a first run or a full refresh writes gigabytes.
        "max_wal_size": "4GB",
        "checkpoint_timeout": "15min",
    }


def physical_memory_bytes() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def _write_settings(admin_url: str, settings: dict[str, str]) -> bool:
    """Set each setting the data directory does not hold yet (ALTER SYSTEM, which rewrites
    postgresql.auto.conf) and reload; True when the running shared_buffers differs, which takes
    effect only after a restart. Every command that opens the databases comes through here, so
    a server set up before writes nothing."""
    with psycopg.connect(libpq_url(admin_url), autocommit=True) as conn:
        written: dict[str, str] = {
            name: setting
            for name, setting in conn.execute(
                "select name, setting from pg_file_settings"
                " where sourcefile like '%postgresql.auto.conf'"
            ).fetchall()
        }
        changed = {name: value for name, value in settings.items() if written.get(name) != value}
        for name, value in changed.items():
            conn.execute(
                psycopg.sql.SQL("alter system set {} = {}").format(
                    psycopg.sql.Identifier(name), psycopg.sql.Literal(value)
                )
            )
        if changed:
            conn.execute("select pg_reload_conf()")
        row = conn.execute(
            "select pg_size_bytes(current_setting('shared_buffers')) <> pg_size_bytes(%s)",
            (settings["shared_buffers"],),
        ).fetchone()
    return row is not None and bool(row[0])


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
