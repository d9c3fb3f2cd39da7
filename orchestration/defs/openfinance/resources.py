"""The Open Finance institution as a Dagster resource: FLUXO_OPENFINANCE_* settings, overridable."""

import dagster as dg
from pydantic import Field

from ingestion.openfinance.client import OpenFinanceClient, OpenFinanceSettings


class OpenFinanceSource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """Builds one client per run, so its stats (pages, retries, breaker) describe that run.
    Unset fields fall back to FLUXO_OPENFINANCE_* (defaults reach the local simulator)."""

    base_url: str | None = Field(default=None, description="Institution's API root.")
    page_size: int | None = Field(default=None, ge=1, le=1000)
    backoff_initial_seconds: float | None = None

    def settings(self) -> OpenFinanceSettings:
        overrides = {
            name: value
            for name, value in (
                ("base_url", self.base_url),
                ("page_size", self.page_size),
                ("backoff_initial_seconds", self.backoff_initial_seconds),
            )
            if value is not None
        }
        return OpenFinanceSettings(**overrides)  # type: ignore[arg-type]

    def client(self) -> OpenFinanceClient:
        return OpenFinanceClient(self.settings())
