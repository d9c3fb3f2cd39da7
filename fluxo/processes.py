"""Long-running child processes (API, Dagster, Streamlit): start, wait until ready, stop cleanly."""

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx


class ServiceFailed(RuntimeError):
    """A child process exited or never answered while starting."""


@dataclass
class Service:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self, timeout_seconds: float = 20.0) -> None:
        if self.process.poll() is not None:
            return
        # Each child leads its own process group, so this reaches the workers it started too.
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout_seconds)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def restore_default_stop_signals() -> None:
    """A process started from a non-interactive shell may inherit SIGINT/SIGTERM as ignored, and
    would then never stop; give it the default handling back."""
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, signal.SIG_DFL)


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


def start_service(
    name: str,
    command: list[str],
    url: str,
    ready_url: str | None,
    log_path: Path,
    env: dict[str, str] | None = None,
    timeout_seconds: float = 120.0,
) -> Service:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        # A new session, so Ctrl-C reaches only us and we stop the children in order.
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            start_new_session=True,
            preexec_fn=restore_default_stop_signals,
        )
    service = Service(name=name, url=url, process=process, log_path=log_path)
    try:
        _wait_until_ready(service, ready_url, timeout_seconds)
    except BaseException:
        # Interrupted or failed while starting: the caller never gets the service, so stop it here.
        service.stop()
        raise
    return service


def _wait_until_ready(service: Service, ready_url: str | None, timeout_seconds: float) -> None:
    if ready_url is None:
        # Nothing to ask: it is up if it survives its first second (imports, first connection).
        time.sleep(1.0)
        if service.process.poll() is not None:
            raise ServiceFailed(
                f"{service.name} exited with code {service.process.returncode}; "
                f"see {service.log_path}"
            )
        return
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise ServiceFailed(
                f"{service.name} exited with code {service.process.returncode}; "
                f"see {service.log_path}"
            )
        try:
            if httpx.get(ready_url, timeout=2.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise ServiceFailed(
        f"{service.name} did not answer at {ready_url} within {timeout_seconds:.0f} s; "
        f"see {service.log_path}"
    )
