"""What the HTTP sources share to ride out a flaky provider: which failures are retried, how long
to wait (the provider's Retry-After, else jittered exponential backoff), the circuit breaker every
call goes through, and the counters a run reports, the breaker's state among them."""

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol, TypeVar

import pybreaker
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

T = TypeVar("T")


class Retryable(Exception):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimited(Retryable):
    """429: the provider is healthy but asks us to slow down; not a breaker failure."""


class ServerFailure(Retryable):
    """5xx, a timeout, a dropped connection, or a body that is not what was asked for."""


@dataclass
class RetryCounters:
    """Counters of one client's life that every HTTP source reports in its run's metadata."""

    requests: int = 0
    retries: int = 0
    retry_wait_seconds: float = 0.0
    rate_limited: int = 0
    server_failures: int = 0
    breaker_opens: int = 0
    breaker_state: str = pybreaker.STATE_CLOSED

    def as_metadata(self) -> dict[str, int | float | str]:
        return asdict(self)


class BreakerWatch(pybreaker.CircuitBreakerListener):
    """Keeps the counters' breaker state and number of openings current."""

    def __init__(self, counters: RetryCounters) -> None:
        self._counters = counters

    def state_change(
        self,
        cb: pybreaker.CircuitBreaker,
        old_state: pybreaker.CircuitBreakerState | None,
        new_state: pybreaker.CircuitBreakerState,
    ) -> None:
        self._counters.breaker_state = new_state.name
        if new_state.name == pybreaker.STATE_OPEN:
            self._counters.breaker_opens += 1


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


def retry_wait(
    max_retry_after_seconds: float, backoff_initial_seconds: float, backoff_max_seconds: float
) -> Callable[[RetryCallState], float]:
    """A tenacity `wait`: the provider's Retry-After (capped) when it gave one, else backoff."""
    backoff = wait_exponential_jitter(initial=backoff_initial_seconds, max=backoff_max_seconds)

    def wait(retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, Retryable) and error.retry_after is not None:
            return min(error.retry_after, max_retry_after_seconds)
        return backoff(retry_state)

    return wait


def count_retries(counters: RetryCounters) -> Callable[[RetryCallState], None]:
    """A tenacity `before_sleep` that counts each retry and the time it waits."""

    def count(retry_state: RetryCallState) -> None:
        counters.retries += 1
        if retry_state.next_action is not None:
            counters.retry_wait_seconds += retry_state.next_action.sleep

    return count


class RetrySettings(Protocol):
    """The patience settings every HTTP source has (FLUXO_<SOURCE>_*)."""

    max_attempts: int
    backoff_initial_seconds: float
    backoff_max_seconds: float
    max_retry_after_seconds: float
    breaker_fail_max: int
    breaker_reset_seconds: float


class GuardedCalls:
    """Calls to one provider, each through its circuit breaker and a bounded retry: Retryable
    failures are retried with `retry_wait`; when retries run out or the breaker is open, the call
    raises `unavailable` (the source's own "try again later" error).

    The breaker counts failures only of the exceptions not in `exclude`, so a rate-limit burst
    or a request the provider refuses never opens it."""

    def __init__(
        self,
        provider: str,
        settings: RetrySettings,
        counters: RetryCounters,
        *,
        exclude: Sequence[type[Exception]],
        unavailable: type[Exception],
        breaker: pybreaker.CircuitBreaker | None = None,
    ) -> None:
        self._provider = provider
        self._settings = settings
        self._counters = counters
        self._unavailable = unavailable
        self.breaker = breaker or pybreaker.CircuitBreaker(
            fail_max=settings.breaker_fail_max,
            reset_timeout=settings.breaker_reset_seconds,
            exclude=list(exclude),
        )
        self.breaker.add_listener(BreakerWatch(counters))
        counters.breaker_state = self.breaker.current_state

    def call(self, attempt: Callable[[], T], where: str) -> T:
        """`attempt()`'s result; `where` names the request in errors (never a clear document)."""
        settings = self._settings
        retrying = Retrying(
            stop=stop_after_attempt(settings.max_attempts),
            wait=retry_wait(
                settings.max_retry_after_seconds,
                settings.backoff_initial_seconds,
                settings.backoff_max_seconds,
            ),
            retry=retry_if_exception_type(Retryable),
            before_sleep=count_retries(self._counters),
            reraise=True,
        )
        try:
            for retry in retrying:
                with retry:
                    result: T = self.breaker.call(attempt)
                    return result
        except pybreaker.CircuitBreakerError as error:
            self._counters.breaker_state = self.breaker.current_state
            raise self._unavailable(
                f"circuit breaker open after repeated failures of {self._provider}; "
                f"retry after {settings.breaker_reset_seconds:g}s"
            ) from error
        except Retryable as error:
            raise self._unavailable(
                f"{where}: gave up after {settings.max_attempts} attempts: {error}"
            ) from error
        raise AssertionError("unreachable: tenacity either returns or raises")

    def counters_now(self) -> None:
        """Bring the breaker's state in the counters up to date: pybreaker moves from open to
        half-open only when asked, after its reset timeout."""
        self._counters.breaker_state = self.breaker.current_state
