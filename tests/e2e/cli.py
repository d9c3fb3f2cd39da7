"""Running the installed `fluxo` command the way a user does."""

import os
import socket
import subprocess
import sys
from pathlib import Path

FLUXO = str(Path(sys.executable).parent / "fluxo")


def run_fluxo(
    *args: str, env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FLUXO, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def clean_environment(**overrides: str) -> dict[str, str]:
    """The test process's environment without the FLUXO_* the session fixtures exported."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLUXO_", "DAGSTER_"))}
    env.update(overrides)
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
