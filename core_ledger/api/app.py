"""The ledger's FastAPI application factory (`uvicorn --factory core_ledger.api.app:create_app`)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from core_ledger.api import accounts, auth, holds, merchants, tenants, transfers
from core_ledger.api.dependencies import Sessions
from core_ledger.api.middleware import (
    BodySizeLimitMiddleware,
    RequestIdMiddleware,
    UnhandledErrorMiddleware,
)
from core_ledger.api.problems import install_problem_handlers
from core_ledger.migrate import head_revision
from core_ledger.services import health
from fluxo import databases
from fluxo.settings import Settings
from fluxo.signing_key import token_signing_key


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        urls = databases.resolve(settings)
        # No pre-ping: it cost a round trip on every request. A connection broken by a database
        # restart fails its request with 503 database_unavailable, and SQLAlchemy then drops
        # every pooled connection made before the failure.
        engine = create_engine(urls.ledger, pool_size=10, max_overflow=10)
        app.state.sessions = sessionmaker(engine, expire_on_commit=False)
        app.state.expected_revision = head_revision()
        app.state.signing_key = token_signing_key(settings)
        app.state.token_ttl_seconds = settings.token_ttl_seconds
        yield
        engine.dispose()

    app = FastAPI(
        title="Fluxo ledger",
        version="1",
        description=(
            "Fluxo's double-entry ledger: tenants, accounts, transfers (single and batch), "
            "holds (two-phase transfers), balances, statements and daily balances. "
            "Authenticate with `Authorization: Bearer <token>` from POST /v1/auth/token, or "
            "`X-API-Key`. Every POST takes an Idempotency-Key. Errors are RFC 9457 problems."
        ),
        lifespan=lifespan,
    )
    install_problem_handlers(app)
    # The last added runs first: the request id exists before anything can fail or refuse.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.api_max_body_bytes)
    app.add_middleware(UnhandledErrorMiddleware)
    app.add_middleware(RequestIdMiddleware)
    for module in (auth, tenants, accounts, transfers, holds, merchants):
        app.include_router(module.router)

    @app.get("/health", tags=["health"])
    def liveness() -> dict[str, str]:
        """The process is up (no dependency is checked)."""
        return {"status": "ok"}

    @app.get("/ready", tags=["health"])
    def readiness(sessions: Sessions) -> dict[str, str]:
        """The ledger database answers and is migrated to what this code expects; else 503."""
        health.check_ready(sessions, app.state.expected_revision)
        return {"status": "ready"}

    return app
