"""Request-scoped dependencies, taken from what the app built at startup and from the request."""

import hashlib
import json
from typing import Annotated

from fastapi import Depends, Header, Query, Request, Response
from sqlalchemy.orm import Session, sessionmaker

from core_ledger.access import Actor
from core_ledger.api.request_context import request_id_var
from core_ledger.errors import Unauthenticated
from core_ledger.pagination import MAX_PAGE_SIZE
from core_ledger.services import auth
from core_ledger.services.idempotency import IdempotentRequest


def _sessions(request: Request) -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = request.app.state.sessions
    return sessions


Sessions = Annotated[sessionmaker[Session], Depends(_sessions)]


def _actor(
    request: Request,
    sessions: Sessions,
    authorization: Annotated[
        str | None, Header(description="`Bearer <access token>` from POST /v1/auth/token.")
    ] = None,
    api_key: Annotated[
        str | None, Header(alias="X-API-Key", description="An API key, used directly.")
    ] = None,
) -> Actor:
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("use 'Authorization: Bearer <access token>'")
        actor = auth.actor_for_token(token.strip(), request.app.state.signing_key)
    elif api_key is not None:
        actor = auth.actor_for_key(sessions, api_key)
    else:
        raise Unauthenticated(
            "send 'Authorization: Bearer <token>' (from POST /v1/auth/token) or 'X-API-Key'"
        )
    return Actor(actor.principal, actor.role, actor.tenant_id, request_id_var.get())


CurrentActor = Annotated[Actor, Depends(_actor)]


async def _idempotent_request(
    request: Request,
    actor: CurrentActor,
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
        principal=actor.principal,
        key=idempotency_key,
        method=request.method,
        path=request.url.path,
        fingerprint=hashlib.sha256(canonical).hexdigest(),
    )


Idempotency = Annotated[IdempotentRequest | None, Depends(_idempotent_request)]

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page.")]
Cursor = Annotated[str | None, Query(max_length=500, description="next_cursor of the last page.")]


def mark_replay(response: Response, replayed: bool) -> None:
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
