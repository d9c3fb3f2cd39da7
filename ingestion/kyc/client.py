"""HTTP client of the KYC provider (BrasilAPI-style CNPJ and CPF lookups): retries and a breaker.

A lookup ends in an answer to record: 200 (found), 404 (not found) or 400 (the provider calls the
document invalid). 429 and 5xx, timeouts and dropped connections are retried with exponential
backoff, or after the server's Retry-After; they never become results. The circuit breaker counts
server failures only, so a rate-limit burst never opens it.
"""

import json
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import partial
from types import TracebackType
from typing import Any, Literal, Self

import httpx
import pybreaker
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from ingestion.documents import Document
from ingestion.http_retries import (
    GuardedCalls,
    RateLimited,
    RetryCounters,
    ServerFailure,
    parse_retry_after,
)
from ingestion.kyc.models import PepPage

RECORDED_STATUSES = frozenset({200, 400, 404})
# BrasilAPI serves the Receita's open CNPJ data, which the Receita republishes about once a month:
# asking more often mostly gets the same answer back; less often leaves a company that became
# INAPTA or BAIXADA (or a CPF suspended) unnoticed for a cycle longer.
DEFAULT_RESCREEN_AFTER_DAYS = 30
LookupKind = Literal["cpf", "cnpj"]


class KycSettings(BaseSettings):
    """Where the provider is and how patient to be: FLUXO_KYC_* variables, with defaults that
    reach the local simulator (`serve_simulator`)."""

    model_config = SettingsConfigDict(env_prefix="FLUXO_KYC_", extra="ignore")

    url: str = Field(default="http://127.0.0.1:8602", description="Provider's root URL.")
    cnpj_path: str = "/api/cnpj/v1"
    cpf_path: str = "/api/cpf/v1"
    pep_path: str = "/api/pep/v1"
    pep_max_pages: int = Field(default=1000, ge=1, description="A list longer than this fails.")
    connect_timeout_seconds: float = 5.0
    timeout_seconds: float = 15.0
    max_attempts: int = Field(default=6, ge=1, description="Per lookup, first try included.")
    backoff_initial_seconds: float = 0.5
    backoff_max_seconds: float = 30.0
    max_retry_after_seconds: float = Field(
        default=120.0, description="A longer Retry-After is capped, not obeyed blindly."
    )
    breaker_fail_max: int = Field(default=5, ge=1, description="Failures in a row to open.")
    breaker_reset_seconds: float = 60.0
    rescreen_after_days: int = Field(
        default=DEFAULT_RESCREEN_AFTER_DAYS,
        ge=1,
        description="A customer whose latest answer is this many days old is checked again.",
    )


class KycError(Exception):
    """The provider could not answer; the message says why (never with a clear document)."""


class SourceUnavailable(KycError):
    """Retries ran out, or the circuit breaker is open: try again later."""


class RequestRejected(KycError):
    """A 4xx other than 400/404/429 (auth, a wrong path): retrying cannot help."""


@dataclass(frozen=True)
class ProviderAnswer:
    """One lookup's recorded outcome: 200, 400 or 404, with the body as parsed JSON."""

    document: Document
    http_status: int
    body: Any
    fetched_at: datetime


@dataclass(frozen=True)
class PepList:
    """The PEP list as served: its entries still unparsed (the load validates each)."""

    entries: list[Any]
    pages: int
    fetched_at: datetime


@dataclass
class ClientStats(RetryCounters):
    """Counters of one client's life, for the run's metadata."""

    lookups: int = 0


class KycClient:
    """Looks CNPJs and CPFs up, one request each, through the breaker and a bounded retry."""

    def __init__(
        self,
        settings: KycSettings,
        *,
        breaker: pybreaker.CircuitBreaker | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self._stats = ClientStats()
        self._calls = GuardedCalls(
            settings.url,
            settings,
            self._stats,
            exclude=[RateLimited, RequestRejected],
            unavailable=SourceUnavailable,
            breaker=breaker,
        )
        self._http = httpx.Client(
            base_url=settings.url.rstrip("/"),
            timeout=httpx.Timeout(
                settings.timeout_seconds, connect=settings.connect_timeout_seconds
            ),
            transport=transport,
            headers={"Accept": "application/json"},
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    @property
    def stats(self) -> ClientStats:
        self._calls.counters_now()
        return ClientStats(**asdict(self._stats))

    def lookup(self, document: Document) -> ProviderAnswer:
        """The provider's answer about a validated CPF or CNPJ."""
        path = self.settings.cpf_path if document.kind == "cpf" else self.settings.cnpj_path
        # The path carries the clear document; messages below name the kind and the masked form.
        url = f"{path.rstrip('/')}/{document.value}"
        where = f"{document.kind} {document.masked}"
        self._stats.lookups += 1
        status, body = self._calls.call(lambda: self._attempt(url, where), where)
        return ProviderAnswer(document, status, body, datetime.now(UTC))

    def pep_list(self) -> PepList:
        """Every entry of the provider's list of politically exposed persons, page by page."""
        entries: list[Any] = []
        page, total_pages = 1, 1
        while page <= total_pages:
            if page > self.settings.pep_max_pages:
                raise KycError(f"the PEP list has more than {self.settings.pep_max_pages} pages")
            url = f"{self.settings.pep_path}?page={page}"
            where = f"PEP list page {page}"
            status, body = self._calls.call(partial(self._attempt, url, where), where)
            if status != 200:
                raise RequestRejected(f"{where}: {status} from {self.settings.url}")
            try:
                parsed = PepPage.model_validate(body)
            except ValidationError as error:
                raise KycError(
                    f"{where} is not a page of the list ({error.error_count()} errors)"
                ) from None
            entries.extend(parsed.data)
            total_pages = parsed.total_pages
            page += 1
        return PepList(entries, page - 1, datetime.now(UTC))

    def _attempt(self, url: str, where: str) -> tuple[int, Any]:
        self._stats.requests += 1
        started = time.monotonic()
        try:
            response = self._http.get(url)
        except httpx.TransportError as error:
            self._stats.server_failures += 1
            elapsed = time.monotonic() - started
            # httpx errors quote the URL, which holds the clear document: name the kind only.
            raise ServerFailure(f"{type(error).__name__} after {elapsed:.1f}s") from None
        status = response.status_code
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if status == 429:
            self._stats.rate_limited += 1
            raise RateLimited(f"{where}: 429 rate limited", retry_after)
        if status >= 500:
            self._stats.server_failures += 1
            raise ServerFailure(f"{where}: {status}", retry_after)
        if status not in RECORDED_STATUSES:
            raise RequestRejected(f"{where}: unexpected {status} from {self.settings.url}")
        try:
            body = json.loads(response.content) if response.content else None
        except ValueError:
            if status != 200:
                # An error page that is not JSON still says found/not found by its status.
                return status, {"message": response.text[:500]}
            self._stats.server_failures += 1
            raise ServerFailure(f"{where}: 200 with a body that is not JSON") from None
        return status, body
