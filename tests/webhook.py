"""An HTTP server on 127.0.0.1 that records the JSON POSTed to it: a stand-in alert webhook."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Webhook:
    """What was POSTed so far; each POST is answered `status`."""

    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    status: int = 204


@contextmanager
def recording_webhook() -> Iterator[Webhook]:
    recorder = Webhook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            recorder.received.append(json.loads(self.rfile.read(length)))
            self.send_response(recorder.status)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}/alerts"
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
