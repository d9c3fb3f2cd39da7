"""Fixtures for tests that go through the real ledger API."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from core_ledger.api.app import create_app
from fluxo.databases import DatabaseUrls


@pytest.fixture
def api(database_urls: DatabaseUrls) -> Iterator[TestClient]:
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def merchant(api: TestClient, merchant_id: str) -> str:
    response = api.post("/v1/merchants", json={"merchant_id": merchant_id, "name": "Loja Teste"})
    assert response.status_code == 201, response.text
    return merchant_id
