"""The KYC provider as a Dagster resource: FLUXO_KYC_* settings, overridable."""

import dagster as dg
from pydantic import Field

from ingestion.kyc.client import KycClient, KycSettings


class KycSource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """Builds one client per run, so its stats (retries, breaker) describe that run. Unset fields
    fall back to FLUXO_KYC_* (FLUXO_KYC_URL defaults to the local simulator). Who is looked up
    comes from the onboarding register (ingestion/kyc/screening.py), never from run config."""

    url: str | None = Field(default=None, description="Provider's root URL.")
    backoff_initial_seconds: float | None = None
    max_retry_after_seconds: float | None = None
    rescreen_after_days: int | None = Field(
        default=None,
        description="A customer whose latest answer is this many days old is checked again. "
        "Unset: FLUXO_KYC_RESCREEN_AFTER_DAYS, else 30.",
    )

    def settings(self) -> KycSettings:
        overrides = {
            name: value
            for name, value in (
                ("url", self.url),
                ("backoff_initial_seconds", self.backoff_initial_seconds),
                ("max_retry_after_seconds", self.max_retry_after_seconds),
                ("rescreen_after_days", self.rescreen_after_days),
            )
            if value is not None
        }
        return KycSettings(**overrides)  # type: ignore[arg-type]

    def client(self) -> KycClient:
        return KycClient(self.settings())
