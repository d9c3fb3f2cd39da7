"""HTTP client of an Open Finance Brasil Accounts API (v2): auth, paging, retries, breaker."""

import json
import ssl
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx
import pybreaker
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from ingestion.http_retries import (
    GuardedCalls,
    RateLimited,
    RetryCounters,
    ServerFailure,
    parse_retry_after,
)
from ingestion.openfinance.models import MalformedPage, Page, next_page_url, parse_page

CONSENT_HEADER = "x-consent-id"
INTERACTION_HEADER = "x-fapi-interaction-id"
MAX_PAGE_SIZE = 1000  # the spec's ceiling for `page-size`


class OpenFinanceSettings(BaseSettings):
    """Where the institution is and how to authenticate: FLUXO_OPENFINANCE_* variables, with
    defaults that reach the local simulator (`serve_simulator`)."""

    model_config = SettingsConfigDict(env_prefix="FLUXO_OPENFINANCE_", extra="ignore")

    base_url: str = Field(default="http://127.0.0.1:8600", description="Institution's API root.")
    api_path: str = "/open-banking/accounts/v2"
    token_url: str | None = Field(default=None, description="Unset: <base_url>/token.")
    client_id: str = "fluxo"
    client_secret: SecretStr = SecretStr("fluxo-simulator-secret")
    consent_id: str = "urn:fluxo:consent:demo"
    # mTLS, as production requires: the client certificate, its key, and the CA bundle to trust.
    cert_file: Path | None = None
    key_file: Path | None = None
    ca_file: Path | None = None
    connect_timeout_seconds: float = 5.0
    timeout_seconds: float = 30.0
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    max_attempts: int = Field(default=5, ge=1, description="Per request, first try included.")
    backoff_initial_seconds: float = 0.5
    backoff_max_seconds: float = 30.0
    max_retry_after_seconds: float = Field(
        default=120.0, description="A longer Retry-After is capped, not obeyed blindly."
    )
    breaker_fail_max: int = Field(default=5, ge=1, description="Failures in a row to open.")
    breaker_reset_seconds: float = 60.0
    token_refresh_margin_seconds: float = Field(
        default=30.0, description="Refresh a token this long before it expires."
    )

    @property
    def resolved_token_url(self) -> str:
        return self.token_url or f"{self.base_url.rstrip('/')}/token"

    @property
    def api_url(self) -> str:
        return f"{self.base_url.rstrip('/')}{self.api_path}"


class OpenFinanceError(Exception):
    """The institution could not give what was asked; the message says why."""


class SourceUnavailable(OpenFinanceError):
    """Retries ran out, or the circuit breaker is open: try again later."""


class AuthenticationFailed(OpenFinanceError):
    """The token endpoint refused the credentials, or a fresh token was refused too."""


class RequestRejected(OpenFinanceError):
    """A 4xx other than 401/429: retrying the same request cannot help."""


@dataclass
class ClientStats(RetryCounters):
    """Counters of one client's life, for the run's metadata."""

    pages_fetched: int = 0
    token_requests: int = 0
    token_refreshes_after_401: int = 0


def _ssl_context(settings: OpenFinanceSettings) -> ssl.SSLContext | bool:
    if settings.cert_file is None and settings.ca_file is None:
        return True
    context = ssl.create_default_context(cafile=str(settings.ca_file) if settings.ca_file else None)
    if settings.cert_file is not None:
        context.load_cert_chain(
            str(settings.cert_file), str(settings.key_file) if settings.key_file else None
        )
    return context


class OpenFinanceClient:
    """Reads accounts, balances and transactions with one consent.

    Every request goes through the circuit breaker and a bounded retry: 429 and 5xx are retried
    with exponential backoff (or the server's Retry-After), a 401 gets one fresh token. The
    breaker counts server failures only, so a rate-limit burst never opens it."""

    def __init__(
        self,
        settings: OpenFinanceSettings,
        *,
        breaker: pybreaker.CircuitBreaker | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self._stats = ClientStats()
        self._calls = GuardedCalls(
            settings.base_url,
            settings,
            self._stats,
            exclude=[RateLimited, AuthenticationFailed, RequestRejected],
            unavailable=SourceUnavailable,
            breaker=breaker,
        )
        self._http = httpx.Client(
            timeout=httpx.Timeout(
                settings.timeout_seconds, connect=settings.connect_timeout_seconds
            ),
            verify=_ssl_context(settings),
            transport=transport,
        )
        self._token_lock = threading.Lock()
        self._access_token: str | None = None
        self._token_expires_at = 0.0

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

    def accounts(self) -> Iterator[Page]:
        yield from self._pages(f"{self.settings.api_url}/accounts", self._page_params())

    def balances(self, account_id: str) -> Page:
        url = f"{self.settings.api_url}/accounts/{account_id}/balances"
        page = self._fetch(url, None, single=True)
        self._stats.pages_fetched += 1
        return page

    def transactions(self, account_id: str, from_date: date, to_date: date) -> Iterator[Page]:
        """Every page of the account's transactions booked in [from_date, to_date]."""
        params = self._page_params()
        params.update(fromBookingDate=from_date.isoformat(), toBookingDate=to_date.isoformat())
        yield from self._pages(
            f"{self.settings.api_url}/accounts/{account_id}/transactions", params
        )

    def _page_params(self) -> dict[str, str]:
        return {"page": "1", "page-size": str(self.settings.page_size)}

    def _pages(self, url: str, params: dict[str, str]) -> Iterator[Page]:
        request_url = str(httpx.URL(url, params=params))
        seen: set[str] = set()
        while True:
            page = self._fetch(request_url, None)
            self._stats.pages_fetched += 1
            seen.add(request_url)
            yield page
            following = next_page_url(page, request_url)
            if following is None:
                return
            if following in seen:
                raise MalformedPage(f"links.next {following!r} was already fetched (a loop)")
            request_url = following

    def _fetch(self, url: str, params: dict[str, str] | None, *, single: bool = False) -> Page:
        return self._calls.call(lambda: self._attempt(url, params, single), url)

    def _attempt(self, url: str, params: dict[str, str] | None, single: bool) -> Page:
        response = self._send(url, params, self._token())
        if response.status_code == 401:
            # The token may have expired early or been revoked: one fresh token, then give up.
            self._stats.token_refreshes_after_401 += 1
            response = self._send(url, params, self._token(force=True))
            if response.status_code == 401:
                raise AuthenticationFailed(f"{url}: 401 even with a fresh token")
        self._raise_for_status(response)
        try:
            payload = json.loads(response.content, parse_float=Decimal)
        except ValueError as error:
            self._stats.server_failures += 1
            raise ServerFailure(f"{url}: response is not JSON ({error})") from error
        try:
            return parse_page(payload, single=single)
        except MalformedPage as error:
            self._stats.server_failures += 1
            raise ServerFailure(f"{url}: {error}") from error

    def _send(self, url: str, params: dict[str, str] | None, token: str) -> httpx.Response:
        headers = {
            "Authorization": f"Bearer {token}",
            CONSENT_HEADER: self.settings.consent_id,
            INTERACTION_HEADER: str(uuid.uuid4()),
            "Accept": "application/json",
        }
        self._stats.requests += 1
        try:
            return self._http.get(url, params=params, headers=headers)
        except httpx.TransportError as error:
            self._stats.server_failures += 1
            raise ServerFailure(f"{url}: {type(error).__name__} {error}") from error

    def _raise_for_status(self, response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        where = f"{response.request.method} {response.request.url.path}"
        if status == 429:
            self._stats.rate_limited += 1
            raise RateLimited(f"{where}: 429 rate limited", retry_after)
        if status >= 500:
            self._stats.server_failures += 1
            raise ServerFailure(f"{where}: {status}", retry_after)
        raise RequestRejected(f"{where}: {status} {_error_detail(response)}")

    def _token(self, *, force: bool = False) -> str:
        with self._token_lock:
            now = time.monotonic()
            if not force and self._access_token is not None and now < self._token_expires_at:
                return self._access_token
            settings = self.settings
            self._stats.requests += 1
            self._stats.token_requests += 1
            try:
                response = self._http.post(
                    settings.resolved_token_url,
                    data={"grant_type": "client_credentials", "scope": "accounts"},
                    auth=(settings.client_id, settings.client_secret.get_secret_value()),
                )
            except httpx.TransportError as error:
                self._stats.server_failures += 1
                raise ServerFailure(f"token endpoint: {error}") from error
            if response.status_code in (400, 401, 403):
                raise AuthenticationFailed(
                    f"token endpoint refused client {settings.client_id!r}: "
                    f"{response.status_code} {_error_detail(response)}"
                )
            self._raise_for_status(response)
            body: dict[str, Any] = response.json()
            token = body.get("access_token")
            if not isinstance(token, str) or not token:
                raise AuthenticationFailed("token endpoint answered without an access_token")
            lifetime = float(body.get("expires_in", 300))
            # Refresh early, but never so early that a short-lived token is never used.
            margin = min(settings.token_refresh_margin_seconds, lifetime / 2)
            self._access_token = token
            self._token_expires_at = now + lifetime - margin
            return token


def _error_detail(response: httpx.Response) -> str:
    """The first error of an Open Finance error body (`errors[{code, title, detail}]`)."""
    try:
        body = response.json()
        first = body["errors"][0]
        return f"{first.get('code', '')}: {first.get('detail') or first.get('title', '')}"
    except (ValueError, KeyError, IndexError, TypeError):
        return response.text[:200]
