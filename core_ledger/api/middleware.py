"""ASGI middleware: a request id on every exchange, a problem for every unhandled error, and a cap
on request body size."""

import logging
import re
import uuid

from sqlalchemy.exc import OperationalError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core_ledger.api.problems import problem
from core_ledger.api.request_context import request_id_var

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "x-request-id"
# A caller's id is kept only when it is short and plain, so it is safe to log and echo.
_ACCEPTABLE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestIdMiddleware:
    """Take the caller's X-Request-ID (or make one), expose it to handlers and logs, echo it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        request_id = given if _ACCEPTABLE_REQUEST_ID.fullmatch(given) else str(uuid.uuid4())
        token = request_id_var.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"].append((REQUEST_ID_HEADER.encode(), request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)


class UnhandledErrorMiddleware:
    """Answer an unhandled error with a 500 problem, inside the request-id scope.

    Starlette's own handler for `Exception` runs outside every user middleware, where the request
    id is gone; this one runs within it, so the log line and the problem both carry the id.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        response_started = False

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except OperationalError as error:
            # The database restarted, is unreachable, or aborted the transaction: the request
            # had no effect or, if the connection broke while committing, an unknown one. A
            # retry with the same Idempotency-Key settles which, and applies it at most once.
            logger.warning("database unavailable on %s: %s", scope["path"], error.orig)
            if response_started:
                raise
            response = problem(
                503,
                "database_unavailable",
                "The ledger database is unavailable",
                "retry shortly with the same Idempotency-Key: it is applied at most once",
                scope["path"],
            )
            response.headers["Retry-After"] = "1"
            await response(scope, receive, send)
        except Exception:
            # Log the traceback for operators; the client gets no internals.
            logger.exception(
                "unhandled error on %s %s (request %s)",
                scope["method"],
                scope["path"],
                request_id_var.get(),
            )
            if response_started:
                raise  # too late for a problem body; the server closes the connection
            response = problem(
                500,
                "internal_error",
                "Internal error",
                "the ledger could not complete the request",
                scope["path"],
            )
            await response(scope, receive, send)


class BodySizeLimitMiddleware:
    """Refuse bodies over `max_bytes` with 413, whether announced by Content-Length or streamed.

    The body is read here, up to the limit, and replayed to the app: FastAPI turns any error
    raised while it reads a body into a 400, so the limit cannot be enforced from inside.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return

        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left; there is no one to answer
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            if not message.get("more_body", False):
                break

        replayed = False

        async def replay_body() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay_body, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(
            413,
            "payload_too_large",
            "Request body too large",
            f"the body exceeds {self.max_bytes} bytes",
            scope["path"],
        )
        await response(scope, receive, send)
