"""Which ingestion failures Dagster retries, and on which assets."""

import dagster as dg
import httpx
import psycopg
import pytest

from ingestion.kyc.client import RequestRejected as KycRejected
from ingestion.kyc.client import SourceUnavailable as KycUnavailable
from ingestion.openfinance.client import AuthenticationFailed, RequestRejected, SourceUnavailable
from ingestion.warehouse import TooManyRejected
from orchestration.defs.kyc import kyc_assets
from orchestration.defs.ledger.assets import raw_ledger_tables
from orchestration.defs.openfinance import openfinance_assets
from orchestration.defs.retries import (
    INGESTION_RETRY_POLICY,
    is_transient,
    retried_only_if_transient,
)
from orchestration.defs.statements import statement_assets


def _raised_from(cause: BaseException) -> RuntimeError:
    try:
        raise RuntimeError("loading failed") from cause
    except RuntimeError as error:
        return error


@pytest.mark.parametrize(
    "error",
    [
        SourceUnavailable("gave up after 5 attempts"),
        KycUnavailable("circuit breaker open"),
        httpx.ConnectError("connection refused"),
        psycopg.OperationalError("server closed the connection unexpectedly"),
        psycopg.errors.SerializationFailure("could not serialize access"),
        psycopg.errors.DeadlockDetected("deadlock detected"),
        psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
        _raised_from(psycopg.OperationalError("connection lost")),
    ],
)
def test_transient_failures(error: BaseException) -> None:
    assert is_transient(error)


@pytest.mark.parametrize(
    "error",
    [
        RequestRejected("404 not found"),
        AuthenticationFailed("invalid_client"),
        KycRejected("400"),
        TooManyRejected("60% of the batch failed validation"),
        psycopg.errors.UniqueViolation("duplicate key"),
        psycopg.errors.UndefinedTable("relation does not exist"),
        ValueError("bad data"),
    ],
)
def test_permanent_failures(error: BaseException) -> None:
    assert not is_transient(error)


def test_the_step_fails_as_retryable_only_when_transient() -> None:
    with pytest.raises(dg.Failure) as transient, retried_only_if_transient(lambda: {"retries": 4}):
        raise SourceUnavailable("gave up")
    assert transient.value.allow_retries
    assert transient.value.metadata["retries"].value == 4
    assert transient.value.metadata["transient"].value is True

    with pytest.raises(dg.Failure) as permanent, retried_only_if_transient():
        raise TooManyRejected("too many invalid records")
    assert not permanent.value.allow_retries
    assert "TooManyRejected: too many invalid records" in (permanent.value.description or "")


def test_every_ingestion_asset_has_the_retry_policy_with_exponential_jittered_backoff() -> None:
    assert INGESTION_RETRY_POLICY.backoff == dg.Backoff.EXPONENTIAL
    assert INGESTION_RETRY_POLICY.jitter == dg.Jitter.PLUS_MINUS
    assert INGESTION_RETRY_POLICY.max_retries >= 1
    ingestion = [raw_ledger_tables, *statement_assets, *openfinance_assets, *kyc_assets]
    assert len(ingestion) == 6  # the ledger copy, statements, Open Finance, three KYC assets
    assert [asset.op.retry_policy for asset in ingestion] == [INGESTION_RETRY_POLICY] * 6
