"""The ledger's FastAPI application factory (`uvicorn --factory core_ledger.api.app:create_app`)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from core_ledger.api import merchants
from core_ledger.api.problems import install_problem_handlers
from fluxo import databases
from fluxo.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        urls = databases.resolve(settings or Settings())
        engine = create_engine(urls.ledger, pool_size=10, max_overflow=10, pool_pre_ping=True)
        app.state.sessions = sessionmaker(engine, expire_on_commit=False)
        yield
        engine.dispose()

    app = FastAPI(
        title="Fluxo ledger",
        version="1",
        description="Merchants' credits and debits, and their daily consolidated balances.",
        lifespan=lifespan,
    )
    install_problem_handlers(app)
    app.include_router(merchants.router)

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
