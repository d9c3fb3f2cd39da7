"""Request-scoped dependencies, taken from what the app built at startup and from the request."""

import hashlib
import json
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session, sessionmaker

from core_ledger.services.idempotency import IdempotentRequest


def _sessions(request: Request) -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = request.app.state.sessions
    return sessions


async def _idempotent_request(
    request: Request,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=255,
            pattern=r"^[\x21-\x7e]+$",
            description="Retry-safe key: a repeat with the same body replays the first response.",
        ),
    ] = None,
) -> IdempotentRequest | None:
    if idempotency_key is None:
        return None
    raw = await request.body()
    try:
        # The same JSON, however spaced or ordered, is the same request.
        canonical = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = raw
    return IdempotentRequest(
        key=idempotency_key,
        method=request.method,
        path=request.url.path,
        fingerprint=hashlib.sha256(canonical).hexdigest(),
    )


Sessions = Annotated[sessionmaker[Session], Depends(_sessions)]
Idempotency = Annotated[IdempotentRequest | None, Depends(_idempotent_request)]
