"""Fixtures for tests that go through the real ledger API, as an authenticated client, and for
those of the KYC provider's client."""

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from core_ledger.api.app import create_app
from core_ledger.services.projector import project_pending
from fluxo.databases import DatabaseUrls
from ingestion.kyc.simulator import KycSimulator, simulator_in_thread

ClientFactory = Callable[..., TestClient]


@pytest.fixture
def client_as(
    database_urls: DatabaseUrls, issue_key: Callable[..., str]
) -> Iterator[ClientFactory]:
    """`client_as("merchant", tenant_id)`: a client of the real app holding that role's key."""
    clients: list[TestClient] = []

    def make(role: str, tenant_id: str | None = None) -> TestClient:
        client = TestClient(create_app(), raise_server_exceptions=False)
        client.__enter__()
        client.headers["X-API-Key"] = issue_key(role, tenant_id)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def api(client_as: ClientFactory) -> TestClient:
    """An operator: may register tenants and post for any of them."""
    return client_as("operator")


@pytest.fixture
def anonymous(database_urls: DatabaseUrls) -> Iterator[TestClient]:
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def project(ledger_sessions: sessionmaker[Session]) -> Callable[[], int]:
    """Run the read-model projector until it has caught up, as the worker would."""
    return lambda: project_pending(ledger_sessions)


@pytest.fixture
def merchant(api: TestClient, merchant_id: str) -> str:
    response = api.post("/v1/merchants", json={"merchant_id": merchant_id, "name": "Loja Teste"})
    assert response.status_code == 201, response.text
    return merchant_id


@pytest.fixture
def kyc_simulator() -> KycSimulator:
    """The demo KYC provider, fresh for each test (its lookups and faults are the test's)."""
    return KycSimulator()


@pytest.fixture
def kyc_url(kyc_simulator: KycSimulator) -> Iterator[str]:
    """The base URL of `kyc_simulator`, served on a thread on 127.0.0.1."""
    with simulator_in_thread(kyc_simulator) as url:
        yield url
