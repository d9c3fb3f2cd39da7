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
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, Literal, Self

import httpx
import pybreaker
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from ingestion.documents import Document

RECORDED_STATUSES = frozenset({200, 400, 404})
LookupKind = Literal["cpf", "cnpj"]


class KycSettings(BaseSettings):
    """Where the provider is and how patient to be: FLUXO_KYC_* variables, with defaults that
    reach the local simulator (`serve_simulator`)."""

    model_config = SettingsConfigDict(env_prefix="FLUXO_KYC_", extra="ignore")

    url: str = Field(default="http://127.0.0.1:8602", description="Provider's root URL.")
    cnpj_path: str = "/api/cnpj/v1"
    cpf_path: str = "/api/cpf/v1"
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
    documents_dir: str | None = Field(
        default=None,
        description="Folder with cnpj.txt and cpf.txt to check; unset means the demo's subjects.",
    )


class KycError(Exception):
    """The provider could not answer; the message says why (never with a clear document)."""


class SourceUnavailable(KycError):
    """Retries ran out, or the circuit breaker is open: try again later."""


class RequestRejected(KycError):
    """A 4xx other than 400/404/429 (auth, a wrong path): retrying cannot help."""


class _Retryable(Exception):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class _RateLimited(_Retryable):
    """429: the provider is healthy but asks us to slow down; not a breaker failure."""


class _ServerFailure(_Retryable):
    """5xx, a timeout, a dropped connection, or a 200 whose body is not JSON."""


@dataclass(frozen=True)
class ProviderAnswer:
    """One lookup's recorded outcome: 200, 400 or 404, with the body as parsed JSON."""

    document: Document
    http_status: int
    body: Any
    fetched_at: datetime


@dataclass
class ClientStats:
    """Counters of one client's life, for the run's metadata."""

    requests: int = 0
    lookups: int = 0
    retries: int = 0
    retry_wait_seconds: float = 0.0
    rate_limited: int = 0
    server_failures: int = 0
    breaker_opens: int = 0
    breaker_state: str = pybreaker.STATE_CLOSED

    def as_metadata(self) -> dict[str, int | float | str]:
        return asdict(self)


class _BreakerWatch(pybreaker.CircuitBreakerListener):
    def __init__(self, stats: ClientStats) -> None:
        self._stats = stats

    def state_change(
        self,
        cb: pybreaker.CircuitBreaker,
        old_state: pybreaker.CircuitBreakerState | None,
        new_state: pybreaker.CircuitBreakerState,
    ) -> None:
        self._stats.breaker_state = new_state.name
        if new_state.name == pybreaker.STATE_OPEN:
            self._stats.breaker_opens += 1


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


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
        self._breaker = breaker or pybreaker.CircuitBreaker(
            fail_max=settings.breaker_fail_max,
            reset_timeout=settings.breaker_reset_seconds,
            exclude=[_RateLimited, RequestRejected],
            name="kyc",
        )
        self._breaker.add_listener(_BreakerWatch(self._stats))
        self._stats.breaker_state = self._breaker.current_state
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
        self._stats.breaker_state = self._breaker.current_state
        return ClientStats(**asdict(self._stats))

    def lookup(self, document: Document) -> ProviderAnswer:
        """The provider's answer about a validated CPF or CNPJ."""
        path = self.settings.cpf_path if document.kind == "cpf" else self.settings.cnpj_path
        # The path carries the clear document; messages below name the kind and the masked form.
        url = f"{path.rstrip('/')}/{document.value}"
        where = f"{document.kind} {document.masked}"
        self._stats.lookups += 1
        retrying = Retrying(
            stop=stop_after_attempt(self.settings.max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type(_Retryable),
            before_sleep=self._count_retry,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    status, body = self._breaker.call(self._attempt, url, where)
                    return ProviderAnswer(document, status, body, datetime.now(UTC))
        except pybreaker.CircuitBreakerError as error:
            self._stats.breaker_state = self._breaker.current_state
            raise SourceUnavailable(
                f"circuit breaker open after repeated failures of {self.settings.url}; "
                f"retry after {self.settings.breaker_reset_seconds:g}s"
            ) from error
        except _Retryable as error:
            raise SourceUnavailable(
                f"{where}: gave up after {self.settings.max_attempts} attempts: {error}"
            ) from error
        raise AssertionError("unreachable: tenacity either returns or raises")

    def _wait(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, _Retryable) and error.retry_after is not None:
            return min(error.retry_after, self.settings.max_retry_after_seconds)
        backoff = wait_exponential_jitter(
            initial=self.settings.backoff_initial_seconds, max=self.settings.backoff_max_seconds
        )
        return backoff(retry_state)

    def _count_retry(self, retry_state: RetryCallState) -> None:
        self._stats.retries += 1
        if retry_state.next_action is not None:
            self._stats.retry_wait_seconds += retry_state.next_action.sleep

    def _attempt(self, url: str, where: str) -> tuple[int, Any]:
        self._stats.requests += 1
        started = time.monotonic()
        try:
            response = self._http.get(url)
        except httpx.TransportError as error:
            self._stats.server_failures += 1
            elapsed = time.monotonic() - started
            # httpx errors quote the URL, which holds the clear document: name the kind only.
            raise _ServerFailure(f"{type(error).__name__} after {elapsed:.1f}s") from None
        status = response.status_code
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if status == 429:
            self._stats.rate_limited += 1
            raise _RateLimited(f"{where}: 429 rate limited", retry_after)
        if status >= 500:
            self._stats.server_failures += 1
            raise _ServerFailure(f"{where}: {status}", retry_after)
        if status not in RECORDED_STATUSES:
            raise RequestRejected(f"{where}: unexpected {status} from {self.settings.url}")
        try:
            body = json.loads(response.content) if response.content else None
        except ValueError:
            if status != 200:
                # An error page that is not JSON still says found/not found by its status.
                return status, {"message": response.text[:500]}
            self._stats.server_failures += 1
            raise _ServerFailure(f"{where}: 200 with a body that is not JSON") from None
        return status, body
