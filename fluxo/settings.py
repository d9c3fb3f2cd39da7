"""Settings read from the environment (FLUXO_*), with defaults that run the embedded stack."""

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FLUXO_", extra="ignore")

    home: Path = Field(default=Path(".fluxo"), description="Where Fluxo keeps its local state.")
    database_url: str | None = Field(
        default=None, description="Ledger database; unset means the embedded PostgreSQL."
    )
    warehouse_url: str | None = Field(
        default=None, description="Warehouse database; unset means the embedded PostgreSQL."
    )
    host: str = "127.0.0.1"
    api_port: int = 8000
    dagster_port: int = 3000
    dashboard_port: int = 8501
    # The local stand-ins for the bank and the KYC provider; the demo points the pipeline at them.
    openfinance_simulator_port: int = 8600
    kyc_simulator_port: int = 8602
    api_max_body_bytes: int = Field(
        default=1024 * 1024, description="Larger request bodies get 413 payload_too_large."
    )
    api_workers: int = Field(default=2, description="Server processes of `fluxo serve api`.")
    jwt_secret: SecretStr | None = Field(
        default=None,
        description="Signs the API's access tokens; unset means a random one kept under home.",
    )
    token_ttl_seconds: int = Field(default=900, description="Lifetime of an access token.")
    dagster_storage_url: str | None = Field(
        default=None,
        description="PostgreSQL database for Dagster's runs, events and schedules; unset means "
        "SQLite files under the Dagster home.",
    )
    alert_webhook_url: str | None = Field(
        default=None, description="Receives a JSON POST for each failed pipeline run."
    )
    alert_webhook_timeout_seconds: float = Field(
        default=5.0, gt=0, description="How long a failure alert may wait for the webhook."
    )

    @property
    def home_dir(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def embedded_data_dir(self) -> Path:
        return self.home_dir / "pgdata"

    @property
    def dagster_home(self) -> Path:
        return self.home_dir / "dagster"

    @property
    def jwt_secret_file(self) -> Path:
        return self.home_dir / "jwt-secret"

    @property
    def uses_embedded_database(self) -> bool:
        return self.database_url is None or self.warehouse_url is None
