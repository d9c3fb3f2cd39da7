"""Request ids, body-size limits and readiness of the ledger API."""

import uuid
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from core_ledger.api.app import create_app
from fluxo.databases import DatabaseUrls
from fluxo.settings import Settings
from tests.conftest import create_database, drop_database

ENTRY = {
    "type": "credit",
    "amount": "10.00",
    "occurred_at": "2026-11-20T10:00:00-03:00",
    "description": "x",
    "category": "y",
}


def test_request_id_is_echoed_or_made(api: TestClient, merchant: str) -> None:
    given = api.get(f"/v1/merchants/{merchant}", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"

    made = api.get(f"/v1/merchants/{merchant}")
    assert uuid.UUID(made.headers["x-request-id"])

    unsafe = api.get(f"/v1/merchants/{merchant}", headers={"X-Request-ID": "a b;<script>"})
    assert unsafe.headers["x-request-id"] != "a b;<script>"
    assert uuid.UUID(unsafe.headers["x-request-id"])


def test_problems_carry_the_request_id(api: TestClient) -> None:
    response = api.get("/v1/merchants/nobody-at-all", headers={"X-Request-ID": "trace-42"})
    assert response.status_code == 404
    assert response.json()["request_id"] == "trace-42"


@pytest.fixture
def small_body_api(
    database_urls: DatabaseUrls, issue_key: Callable[..., str]
) -> Iterator[TestClient]:
    settings = Settings(
        database_url=database_urls.ledger,
        warehouse_url=database_urls.warehouse,
        api_max_body_bytes=1_000,
    )
    with TestClient(create_app(settings)) as client:
        client.headers["X-API-Key"] = issue_key("operator")
        yield client


def test_oversized_body_gets_413_and_records_nothing(
    small_body_api: TestClient, merchant: str
) -> None:
    fits = small_body_api.post(f"/v1/merchants/{merchant}/entries", json=ENTRY)
    assert fits.status_code == 201

    too_big = small_body_api.post(
        f"/v1/merchants/{merchant}/entries",
        json=ENTRY | {"description": "x" * 2_000},
        headers={"X-Request-ID": "big-1"},
    )
    assert too_big.status_code == 413
    assert too_big.headers["content-type"] == "application/problem+json"
    assert too_big.json()["code"] == "payload_too_large"
    assert too_big.json()["request_id"] == "big-1"


def test_streamed_body_without_length_is_counted(small_body_api: TestClient, merchant: str) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"type": "credit", "description": "'
        for _ in range(20):
            yield b"y" * 100
        yield b'"}'

    response = small_body_api.post(
        f"/v1/merchants/{merchant}/entries",
        content=chunks(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_ready_when_migrated(api: TestClient) -> None:
    response = api.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


def test_not_ready_before_migrations(admin_url: str, database_urls: DatabaseUrls) -> None:
    empty = create_database(admin_url, "test_unmigrated")
    try:
        settings = Settings(database_url=empty, warehouse_url=database_urls.warehouse)
        with TestClient(create_app(settings)) as client:
            assert client.get("/health").status_code == 200  # alive, but
            response = client.get("/ready")  # not ready to serve
        assert response.status_code == 503
        assert response.json()["code"] == "not_ready"
        assert "fluxo migrate" in response.json()["detail"]
    finally:
        drop_database(admin_url, empty)


def test_unhandled_error_is_a_problem_with_the_request_id(database_urls: DatabaseUrls) -> None:
    app = create_app()

    @app.get("/fails-on-purpose")
    def fails_on_purpose() -> None:
        raise RuntimeError("a bug, not bad input")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/fails-on-purpose", headers={"X-Request-ID": "trace-500"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"] == "trace-500"
    assert response.json()["code"] == "internal_error"
    assert response.json()["request_id"] == "trace-500"
    assert "a bug" not in response.text  # no internals leak
