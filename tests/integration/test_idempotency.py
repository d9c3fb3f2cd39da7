"""Idempotency-Key: a replay returns the original response with no second effect, also when the
replays race each other."""

import json
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import httpx
import psycopg
from fastapi.testclient import TestClient

from fluxo.local_api import LocalApiServer
from fluxo.settings import Settings
from tests.integration.conftest import ClientFactory

ENTRY = {
    "type": "credit",
    "amount": "77.70",
    "occurred_at": "2026-11-20T10:00:00-03:00",
    "description": "Venda no cartão",
    "category": "vendas_cartao",
}


def _count(ledger_conn: psycopg.Connection, merchant: str) -> int:
    row = ledger_conn.execute(
        "select count(*) from ledger.entries where merchant_id = %s", (merchant,)
    ).fetchone()
    assert row is not None
    return int(row[0])


def test_replay_returns_the_original_response_once(
    api: TestClient, merchant: str, ledger_conn: psycopg.Connection, merchant_id: str
) -> None:
    headers = {"Idempotency-Key": f"{merchant_id}-k1"}
    first = api.post(f"/v1/merchants/{merchant}/entries", json=ENTRY, headers=headers)
    # The same JSON with other spacing and key order is the same request.
    replay_body = json.dumps(dict(reversed(list(ENTRY.items()))), indent=2)
    again = api.post(
        f"/v1/merchants/{merchant}/entries",
        content=replay_body,
        headers=headers | {"content-type": "application/json"},
    )
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert _count(ledger_conn, merchant) == 1


def test_same_key_with_another_body_is_refused(
    api: TestClient, merchant: str, ledger_conn: psycopg.Connection, merchant_id: str
) -> None:
    headers = {"Idempotency-Key": f"{merchant_id}-k2"}
    assert (
        api.post(f"/v1/merchants/{merchant}/entries", json=ENTRY, headers=headers).status_code
        == 201
    )
    other = api.post(
        f"/v1/merchants/{merchant}/entries", json=ENTRY | {"amount": "77.71"}, headers=headers
    )
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_conflict"
    elsewhere = api.post(
        "/v1/merchants", json={"merchant_id": f"{merchant_id}-x", "name": "X"}, headers=headers
    )
    assert elsewhere.json()["code"] == "idempotency_conflict"
    assert _count(ledger_conn, merchant) == 1


def test_a_failed_request_does_not_use_up_its_key(api: TestClient, merchant_id: str) -> None:
    headers = {"Idempotency-Key": f"{merchant_id}-k3"}
    # The merchant does not exist yet: 404, and the key stays free.
    missing = api.post(f"/v1/merchants/{merchant_id}/entries", json=ENTRY, headers=headers)
    assert missing.status_code == 404
    api.post("/v1/merchants", json={"merchant_id": merchant_id, "name": "Loja"})
    retried = api.post(f"/v1/merchants/{merchant_id}/entries", json=ENTRY, headers=headers)
    assert retried.status_code == 201
    assert "idempotent-replayed" not in retried.headers


def test_merchant_registration_replays(api: TestClient, merchant_id: str) -> None:
    headers = {"Idempotency-Key": f"{merchant_id}-k4"}
    body = {"merchant_id": merchant_id, "name": "Padaria"}
    first = api.post("/v1/merchants", json=body, headers=headers)
    again = api.post("/v1/merchants", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    without_key = api.post("/v1/merchants", json=body)
    assert without_key.json()["code"] == "merchant_already_exists"


def test_invalid_key_is_a_validation_error(api: TestClient, merchant: str) -> None:
    for key in ("", "with space", "x" * 256):
        response = api.post(
            f"/v1/merchants/{merchant}/entries", json=ENTRY, headers={"Idempotency-Key": key}
        )
        assert response.status_code == 422, key
        assert response.json()["code"] == "validation_error"


def test_one_key_fired_concurrently_has_one_effect(
    api: TestClient, merchant: str, ledger_conn: psycopg.Connection, merchant_id: str
) -> None:
    clients = 16
    barrier = Barrier(clients)
    headers = {"Idempotency-Key": f"{merchant_id}-race"}

    with LocalApiServer(Settings()) as url, httpx.Client(base_url=url, timeout=30) as http:
        http.headers["X-API-Key"] = api.headers["X-API-Key"]

        def fire(_: int) -> httpx.Response:
            barrier.wait()  # all requests leave together
            return http.post(f"/v1/merchants/{merchant}/entries", json=ENTRY, headers=headers)

        with ThreadPoolExecutor(clients) as pool:
            responses = list(pool.map(fire, range(clients)))

    assert [r.status_code for r in responses] == [201] * clients
    assert len({r.json()["entry_id"] for r in responses}) == 1
    assert sum("idempotent-replayed" not in r.headers for r in responses) == 1
    assert _count(ledger_conn, merchant) == 1


def test_keys_are_scoped_per_principal(
    api: TestClient,
    client_as: ClientFactory,
    merchant: str,
    ledger_conn: psycopg.Connection,
    merchant_id: str,
) -> None:
    """Two clients that happen to pick the same key make two requests, not one."""
    headers = {"Idempotency-Key": f"{merchant_id}-shared"}
    own_key = client_as("merchant", merchant)
    first = api.post(f"/v1/merchants/{merchant}/entries", json=ENTRY, headers=headers)
    second = own_key.post(f"/v1/merchants/{merchant}/entries", json=ENTRY, headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert "idempotent-replayed" not in second.headers
    assert first.json()["entry_id"] != second.json()["entry_id"]
    assert _count(ledger_conn, merchant) == 2
