"""The ledger API served over real HTTP from a thread of this process, on a free loopback port."""

import threading
import time

import uvicorn

from core_ledger.api.app import create_app
from fluxo.settings import Settings


class LocalApiError(RuntimeError):
    """The in-process API did not start."""


class LocalApiServer:
    """`with LocalApiServer(settings) as url:` serves the API at `url` until the block ends."""

    def __init__(self, settings: Settings) -> None:
        config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise LocalApiError("the ledger API could not start in this process")
            time.sleep(0.05)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
