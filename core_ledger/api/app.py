"""The ledger's FastAPI application factory (`uvicorn --factory core_ledger.api.app:create_app`)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from core_ledger.api import merchants
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


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        urls = databases.resolve(settings)
        engine = create_engine(urls.ledger, pool_size=10, max_overflow=10, pool_pre_ping=True)
        app.state.sessions = sessionmaker(engine, expire_on_commit=False)
        app.state.expected_revision = head_revision()
        yield
        engine.dispose()

    app = FastAPI(
        title="Fluxo ledger",
        version="1",
        description="Merchants' credits and debits, and their daily consolidated balances.",
        lifespan=lifespan,
    )
    install_problem_handlers(app)
    # The last added runs first: the request id exists before anything can fail or refuse.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.api_max_body_bytes)
    app.add_middleware(UnhandledErrorMiddleware)
    app.add_middleware(RequestIdMiddleware)
    app.include_router(merchants.router)

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
