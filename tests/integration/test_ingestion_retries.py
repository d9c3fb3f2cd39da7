"""Dagster retries an ingestion asset, with backoff, when its failure is transient, and only then;
in process too (`dg.materialize` and `execute_in_process` honour the asset's RetryPolicy)."""

from collections.abc import Iterator
from datetime import date

import dagster as dg
import psycopg
import pytest

from ingestion.openfinance.load import SOURCE_NAME, WATERMARK_SOURCE, ensure_openfinance_tables
from ingestion.openfinance.simulator import (
    OpenFinanceSimulator,
    SimulatorFaults,
    simulator_in_thread,
)
from orchestration.defs.openfinance import OpenFinanceSource, openfinance_assets
from orchestration.defs.resources import FluxoDatabases

TODAY = date(2026, 3, 4)
TOKEN_KEY = "integration-test-document-token-key-" + "0" * 32


@pytest.fixture
def simulator(warehouse_conn: psycopg.Connection) -> OpenFinanceSimulator:
    """A bank with one merchant, and a warehouse with nothing of it loaded yet."""
    with warehouse_conn.transaction():
        ensure_openfinance_tables(warehouse_conn)
        warehouse_conn.execute(
            "truncate raw.openfinance_accounts, raw.openfinance_balances,"
            " raw.openfinance_transactions"
        )
        warehouse_conn.execute("delete from raw._quarantine where source = %s", (SOURCE_NAME,))
        warehouse_conn.execute(
            "delete from raw._load_watermarks where source = %s", (WATERMARK_SOURCE,)
        )
    return OpenFinanceSimulator(today=TODAY, days=3, merchant_ids=["padaria-pao-dourado"])


@pytest.fixture
def base_url(simulator: OpenFinanceSimulator) -> Iterator[str]:
    with simulator_in_thread(simulator) as url:
        yield url


def materialize(base_url: str, monkeypatch: pytest.MonkeyPatch) -> dg.ExecuteInProcessResult:
    monkeypatch.setenv("FLUXO_DOCUMENT_TOKEN_KEY", TOKEN_KEY)
    # Two attempts per request, quickly: the client gives up on the second 500 in a row.
    monkeypatch.setenv("FLUXO_OPENFINANCE_MAX_ATTEMPTS", "2")
    return dg.materialize(
        openfinance_assets,
        resources={
            "openfinance": OpenFinanceSource(base_url=base_url, backoff_initial_seconds=0.01),
            "databases": FluxoDatabases(),
        },
        partition_key=TODAY.isoformat(),
        raise_on_error=False,
    )


def events(result: dg.ExecuteInProcessResult, kind: dg.DagsterEventType) -> list[dg.DagsterEvent]:
    return [event for event in result.all_events if event.event_type == kind]


def failure_metadata(event: dg.DagsterEvent) -> dict[str, object]:
    data = event.step_failure_data
    assert data.user_failure_data is not None
    return {key: value.value for key, value in data.user_failure_data.metadata.items()}


def test_a_bank_unavailable_for_a_while_is_retried_and_then_loads(
    simulator: OpenFinanceSimulator, base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The client's two attempts both meet a 500: the step fails as transient; the bank has
    # recovered by the step's second try.
    simulator.faults = SimulatorFaults(server_errors=2)

    result = materialize(base_url, monkeypatch)

    assert result.success
    retried = events(result, dg.DagsterEventType.STEP_UP_FOR_RETRY)
    assert len(retried) == 1
    assert len(events(result, dg.DagsterEventType.STEP_RESTARTED)) == 1
    assert "SourceUnavailable" in str(retried[0].event_specific_data)
    assert simulator.status_counts.get(500) == 2
    (transactions,) = [
        m
        for m in result.asset_materializations_for_node("raw_openfinance_tables")
        if m.asset_key == dg.AssetKey(["raw", "openfinance_transactions"])
    ]
    loaded = transactions.metadata["rows_loaded"].value
    assert isinstance(loaded, int) and loaded > 0


def test_a_request_the_bank_refuses_fails_at_once(
    simulator: OpenFinanceSimulator, base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A consent the bank never granted: 403 on every call, which no later try can change.
    monkeypatch.setenv("FLUXO_OPENFINANCE_CONSENT_ID", "urn:fluxo:consent:revoked")

    result = materialize(base_url, monkeypatch)

    assert not result.success
    assert events(result, dg.DagsterEventType.STEP_UP_FOR_RETRY) == []
    (failure,) = events(result, dg.DagsterEventType.STEP_FAILURE)
    assert failure_metadata(failure)["transient"] is False
    assert "403" in str(failure.event_specific_data)
