"""The Open Finance client against the simulator over real HTTP, with each fault switched on."""

import time
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from ingestion.openfinance.client import (
    AuthenticationFailed,
    OpenFinanceClient,
    OpenFinanceSettings,
    SourceUnavailable,
)
from ingestion.openfinance.simulator import (
    OpenFinanceSimulator,
    SimulatorFaults,
    simulator_in_thread,
)

TODAY = date(2026, 3, 4)
FROM, TO = TODAY - timedelta(days=3), TODAY
ACCOUNT = "acc-padaria-pao-dourado"


@pytest.fixture(scope="module")
def simulator() -> OpenFinanceSimulator:
    return OpenFinanceSimulator(
        today=TODAY, days=3, merchant_ids=["padaria-pao-dourado", "tech-store-online"]
    )


@pytest.fixture(scope="module")
def base_url(simulator: OpenFinanceSimulator) -> Iterator[str]:
    with simulator_in_thread(simulator) as url:
        yield url


@pytest.fixture(autouse=True)
def no_faults(simulator: OpenFinanceSimulator) -> None:
    simulator.faults = SimulatorFaults()


def settings(base_url: str, **overrides: Any) -> OpenFinanceSettings:
    values: dict[str, Any] = {
        "base_url": base_url,
        "page_size": 7,  # several pages per account, so every fault can land mid-listing
        "backoff_initial_seconds": 0.01,
        "backoff_max_seconds": 0.05,
        "timeout_seconds": 5.0,
        **overrides,
    }
    return OpenFinanceSettings(**values)


def expected(simulator: OpenFinanceSimulator) -> list[dict[str, Any]]:
    return [
        t.as_payload()
        for t in simulator.account_transactions(ACCOUNT)
        if FROM <= t.booking_date <= TO
    ]


def fetch(client: OpenFinanceClient) -> list[dict[str, Any]]:
    return [r for page in client.transactions(ACCOUNT, FROM, TO) for r in page.data]


def test_reads_every_page_of_accounts_balances_and_transactions(
    simulator: OpenFinanceSimulator, base_url: str
) -> None:
    with OpenFinanceClient(settings(base_url)) as client:
        accounts = [a["accountId"] for page in client.accounts() for a in page.data]
        balances = client.balances(ACCOUNT).data
        rows = fetch(client)
        stats = client.stats

    assert accounts == [ACCOUNT, "acc-tech-store-online"]
    assert balances[0]["availableAmount"]["amount"].endswith("00")
    assert len(rows) > 2 * 7 and rows == expected(simulator)
    assert stats.pages_fetched == 1 + 1 + -(-len(rows) // 7)
    assert (stats.retries, stats.token_requests, stats.breaker_state) == (0, 1, "closed")


def test_rate_limit_burst_is_retried_after_retry_after(
    simulator: OpenFinanceSimulator, base_url: str
) -> None:
    with OpenFinanceClient(settings(base_url, breaker_fail_max=2)) as client:
        simulator.faults = SimulatorFaults(rate_limit_burst=3, retry_after_seconds=1)
        rows = fetch(client)
        stats = client.stats

    assert rows == expected(simulator)
    assert (stats.rate_limited, stats.retries) == (3, 3)
    # The server's Retry-After, not the 10 ms backoff, set the waits.
    assert stats.retry_wait_seconds >= 3
    # 429 says "slow down", not "broken": more of them than fail_max leave the breaker closed.
    assert (stats.breaker_opens, stats.breaker_state) == (0, "closed")


def test_server_errors_are_retried(simulator: OpenFinanceSimulator, base_url: str) -> None:
    with OpenFinanceClient(settings(base_url)) as client:
        simulator.faults = SimulatorFaults(server_errors=3)
        rows = fetch(client)
        stats = client.stats

    assert rows == expected(simulator)
    assert (stats.server_failures, stats.retries, stats.breaker_state) == (3, 3, "closed")


def test_a_slow_page_times_out_and_is_fetched_again(
    simulator: OpenFinanceSimulator, base_url: str
) -> None:
    with OpenFinanceClient(settings(base_url, timeout_seconds=0.3)) as client:
        first = next(iter(client.transactions(ACCOUNT, FROM, TO)))
        simulator.faults = SimulatorFaults(slow_pages=1, slow_seconds=1.0)
        rows = fetch(client)
        stats = client.stats

    assert first.data == expected(simulator)[:7]
    assert rows == expected(simulator)
    assert stats.retries == 1 and stats.server_failures == 1


def test_a_malformed_page_is_fetched_again(simulator: OpenFinanceSimulator, base_url: str) -> None:
    with OpenFinanceClient(settings(base_url)) as client:
        simulator.faults = SimulatorFaults(malformed_pages=1)
        rows = fetch(client)
        stats = client.stats

    assert rows == expected(simulator)
    assert stats.retries == 1


def test_an_expired_token_is_refreshed_once(simulator: OpenFinanceSimulator, base_url: str) -> None:
    with OpenFinanceClient(settings(base_url)) as client:
        client.balances(ACCOUNT)
        simulator.faults = SimulatorFaults(expire_tokens=True)
        rows = fetch(client)
        stats = client.stats

    assert rows == expected(simulator)
    assert (stats.token_requests, stats.token_refreshes_after_401, stats.retries) == (2, 1, 0)


def test_a_token_near_expiry_is_refreshed_before_use(base_url: str) -> None:
    short_lived = OpenFinanceSimulator(
        today=TODAY, days=1, merchant_ids=["padaria-pao-dourado"], token_ttl_seconds=1
    )
    with (
        simulator_in_thread(short_lived) as url,
        OpenFinanceClient(settings(url, token_refresh_margin_seconds=30)) as client,
    ):
        client.balances(ACCOUNT)
        client.balances(ACCOUNT)
        stats = client.stats
    # A 1 s token is refreshed after half its life at the latest; never used until refused.
    assert stats.token_refreshes_after_401 == 0
    assert stats.token_requests >= 1


def test_bad_credentials_fail_without_retrying(base_url: str) -> None:
    with (
        OpenFinanceClient(settings(base_url, client_secret="wrong")) as client,
        pytest.raises(AuthenticationFailed, match="refused client"),
    ):
        client.balances(ACCOUNT)
    assert client.stats.retries == 0


def test_breaker_opens_after_repeated_failures_and_closes_after_reset(
    simulator: OpenFinanceSimulator, base_url: str
) -> None:
    options = {"breaker_fail_max": 3, "max_attempts": 10, "breaker_reset_seconds": 0.5}
    with OpenFinanceClient(settings(base_url, **options)) as client:
        simulator.faults = SimulatorFaults(server_errors=50)
        with pytest.raises(SourceUnavailable, match="circuit breaker open"):
            fetch(client)
        opened = client.stats
        # While open, calls fail fast: the institution sees no request.
        served = dict(simulator.status_counts)
        with pytest.raises(SourceUnavailable, match="circuit breaker open"):
            client.balances(ACCOUNT)
        assert simulator.status_counts == served

        simulator.faults = SimulatorFaults()
        time.sleep(0.6)
        rows = fetch(client)
        closed = client.stats

    assert (opened.breaker_state, opened.breaker_opens, opened.server_failures) == ("open", 1, 3)
    assert rows == expected(simulator)
    assert (closed.breaker_state, closed.breaker_opens) == ("closed", 1)


def test_retries_run_out_into_source_unavailable(
    simulator: OpenFinanceSimulator, base_url: str
) -> None:
    with OpenFinanceClient(settings(base_url, max_attempts=2, breaker_fail_max=10)) as client:
        simulator.faults = SimulatorFaults(server_errors=2)
        with pytest.raises(SourceUnavailable, match="gave up after 2 attempts"):
            fetch(client)
        assert client.stats.retries == 1
