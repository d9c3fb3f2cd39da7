"""The embedded server runs with Fluxo's settings, not PostgreSQL's tiny-machine defaults."""

from pathlib import Path

import psycopg

from fluxo import embedded
from fluxo.urls import libpq_url

GIB = 2**30


def test_settings_follow_the_machine_memory() -> None:
    assert embedded.server_settings(1 * GIB)["shared_buffers"] == "128MB"
    assert embedded.server_settings(8 * GIB)["shared_buffers"] == "1024MB"
    assert embedded.server_settings(64 * GIB)["shared_buffers"] == "2048MB"
    assert embedded.server_settings(8 * GIB)["effective_cache_size"] == "4096MB"
    assert embedded.server_settings(1 * GIB)["work_mem"] == "4MB"
    assert embedded.server_settings(24 * GIB)["work_mem"] == "96MB"
    assert embedded.server_settings(128 * GIB)["work_mem"] == "256MB"


def _running(admin_url: str, names: list[str]) -> dict[str, int]:
    with psycopg.connect(libpq_url(admin_url)) as conn:
        return {
            name: conn.execute("select pg_size_bytes(current_setting(%s))", (name,)).fetchone()[0]  # type: ignore[index]
            for name in names
        }


def test_a_new_server_starts_with_the_settings_and_a_running_one_is_not_restarted(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "pgdata"
    wanted = embedded.server_settings(embedded.physical_memory_bytes())
    memory_settings = ["shared_buffers", "work_mem", "maintenance_work_mem", "max_wal_size"]
    try:
        admin_url = embedded.start(data_dir)
        with psycopg.connect(libpq_url(admin_url)) as conn:
            expected = {
                name: conn.execute("select pg_size_bytes(%s)", (wanted[name],)).fetchone()[0]  # type: ignore[index]
                for name in memory_settings
            }
        assert _running(admin_url, memory_settings) == expected
        first = embedded.status(data_dir)
        settings_file = data_dir / "postgresql.auto.conf"
        written = settings_file.stat().st_mtime_ns

        assert embedded.start(data_dir) == admin_url
        assert embedded.status(data_dir).pid == first.pid
        # Settings already in the data directory are not written again.
        assert settings_file.stat().st_mtime_ns == written
    finally:
        embedded.stop(data_dir)
    assert not embedded.status(data_dir).running
