"""Which failures of the ingestion assets Dagster retries, and how patiently.

The HTTP clients already retry each request (Retry-After, jittered backoff, circuit breaker); a
step fails on a source only once that patience is spent. The step is then tried again later, as a
whole, when the failure is transient: the source unavailable, the network, or PostgreSQL dropping
the connection, restarting, or aborting a transaction on a serialization failure or deadlock (all
psycopg OperationalErrors). Anything else (rejected requests, bad credentials, a batch with too
many invalid records, which are quarantined anyway) fails at once: another try cannot help.
"""

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import dagster as dg
import httpx
import psycopg

from ingestion.kyc.client import SourceUnavailable as KycUnavailable
from ingestion.openfinance.client import SourceUnavailable as OpenFinanceUnavailable

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OpenFinanceUnavailable,
    KycUnavailable,
    httpx.TransportError,
    psycopg.OperationalError,
    ConnectionError,
    TimeoutError,
)

# Waits of about 2, 6, 14 and 30 s (exponential, each ±2 s of jitter so parallel runs spread out).
INGESTION_RETRY_POLICY = dg.RetryPolicy(
    max_retries=4, delay=2, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)


def is_transient(error: BaseException) -> bool:
    """Whether the error, or one it was raised from, is one that another try may not meet."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, TRANSIENT_ERRORS):
            return True
        seen = seen.__cause__
    return False


@contextmanager
def retried_only_if_transient(
    metadata: Callable[[], Mapping[str, Any]] = dict,
) -> Iterator[None]:
    """Fail the step with a dg.Failure that the asset's RetryPolicy retries only when the error
    is transient; `metadata()` is attached to it (a client's retry counters, say)."""
    try:
        yield
    except dg.Failure:
        raise
    except Exception as error:
        transient = is_transient(error)
        raise dg.Failure(
            description=f"{type(error).__name__}: {error}",
            metadata={**metadata(), "transient": transient},
            allow_retries=transient,
        ) from error
