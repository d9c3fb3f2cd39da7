"""The KYC provider as a Dagster resource: FLUXO_KYC_* settings, overridable, and the documents
to check."""

from pathlib import Path

import dagster as dg
from pydantic import Field

from ingestion.documents import DocumentKind
from ingestion.kyc.client import KycClient, KycSettings
from ingestion.kyc.demo import demo_documents


class KycSource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """Builds one client per run, so its stats (retries, breaker) describe that run. Unset fields
    fall back to FLUXO_KYC_* (FLUXO_KYC_URL defaults to the local simulator)."""

    url: str | None = Field(default=None, description="Provider's root URL.")
    backoff_initial_seconds: float | None = None
    max_retry_after_seconds: float | None = None
    documents_dir: str | None = Field(
        default=None,
        description="Folder with cnpj.txt and cpf.txt, one document per line ('#' comments). "
        "Unset: FLUXO_KYC_DOCUMENTS_DIR, else the demo's subjects.",
    )

    def settings(self) -> KycSettings:
        overrides = {
            name: value
            for name, value in (
                ("url", self.url),
                ("backoff_initial_seconds", self.backoff_initial_seconds),
                ("max_retry_after_seconds", self.max_retry_after_seconds),
                ("documents_dir", self.documents_dir),
            )
            if value is not None
        }
        return KycSettings(**overrides)  # type: ignore[arg-type]

    def client(self) -> KycClient:
        return KycClient(self.settings())

    def documents(self, kind: DocumentKind) -> list[str]:
        """The documents to look up; read at run time so they never enter Dagster's run config."""
        folder = self.settings().documents_dir
        if folder is None:
            return demo_documents(kind)
        path = Path(folder) / f"{kind}.txt"
        lines = path.read_text(encoding="utf-8").splitlines()
        return [line.strip() for line in lines if line.strip() and not line.startswith("#")]
