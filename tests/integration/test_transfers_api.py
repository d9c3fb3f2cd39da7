"""Transfers through the API: balanced postings with balance after and version, the refusals
with their codes, reversals, and batches that are all or nothing."""

import uuid

import psycopg
import pytest
from fastapi.testclient import TestClient


def _tenant(api: TestClient, kind: str = "institution") -> str:
    tenant_id = f"t-{uuid.uuid4().hex[:12]}"
    response = api.post("/v1/tenants", json={"tenant_id": tenant_id, "name": "T", "kind": kind})
    assert response.status_code == 201, response.text
    return tenant_id


def _account(api: TestClient, tenant: str, code: str, **extra: str) -> str:
    body = {"code": code, "name": code, "type": "liability"} | extra
    response = api.post(f"/v1/tenants/{tenant}/accounts", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["account_id"])


def _legs(*legs: tuple[str, str, str]) -> list[dict[str, str]]:
    return [{"account_id": a, "direction": d, "amount": amount} for a, d, amount in legs]


@pytest.fixture
def books(api: TestClient) -> dict[str, str]:
    """A funding account (asset, unrestricted) and three customer wallets (never negative)."""
    tenant = _tenant(api)
    accounts = {"tenant": tenant, "funding": _account(api, tenant, "funding", type="asset")}
    for name in ("ana", "bia", "caio"):
        accounts[name] = _account(api, tenant, name)
    funded = api.post(
        "/v1/transfers",
        json={
            "postings": _legs(
                (accounts["funding"], "debit", "150.00"),
                (accounts["ana"], "credit", "100.00"),
                (accounts["bia"], "credit", "50.00"),
            ),
            "description": "aporte",
        },
    )
    assert funded.status_code == 201, funded.text
    return accounts


def test_a_transfer_records_balance_after_and_version(
    api: TestClient, books: dict[str, str]
) -> None:
    response = api.post(
        "/v1/transfers",
        json={
            "postings": _legs((books["ana"], "debit", "30.25"), (books["caio"], "credit", "30.25")),
            "description": "Pix para Caio",
            "external_id": "pix-1",
        },
    )
    assert response.status_code == 201, response.text
    postings = {p["account_id"]: p for p in response.json()["postings"]}
    assert (postings[books["ana"]]["balance_after"], postings[books["ana"]]["account_version"]) == (
        "69.75",
        2,
    )
    assert (
        postings[books["caio"]]["balance_after"],
        postings[books["caio"]]["account_version"],
    ) == (
        "30.25",
        1,
    )
    fetched = api.get(f"/v1/transfers/{response.json()['transfer_id']}")
    assert fetched.json() == response.json()
    account = api.get(f"/v1/accounts/{books['ana']}").json()
    assert (account["balance"], account["available_balance"], account["version"]) == (
        "69.75",
        "69.75",
        2,
    )


@pytest.mark.parametrize(
    ("legs", "status", "code"),
    [
        ([("ana", "debit", "10.00"), ("bia", "credit", "9.99")], 422, "unbalanced_transfer"),
        ([("ana", "debit", "10.00")], 422, "validation_error"),  # one posting
        ([("ana", "debit", "1.00"), ("ana", "credit", "1.00")], 422, "invalid_transfer"),
        ([("ana", "debit", "100.01"), ("bia", "credit", "100.01")], 422, "insufficient_funds"),
        ([("ana", "debit", "1.00"), ("nobody", "credit", "1.00")], 404, "account_not_found"),
        ([("ana", "debit", "0.00"), ("bia", "credit", "0.00")], 422, "validation_error"),
        ([("ana", "debit", "1.001"), ("bia", "credit", "1.001")], 422, "validation_error"),
    ],
)
def test_refusals_change_nothing(
    api: TestClient,
    books: dict[str, str],
    ledger_conn: psycopg.Connection,
    legs: list[tuple[str, str, str]],
    status: int,
    code: str,
) -> None:
    ids = books | {"nobody": str(uuid.uuid4())}
    before = api.get(f"/v1/tenants/{books['tenant']}/accounts").json()
    response = api.post(
        "/v1/transfers",
        json={"postings": _legs(*[(ids[a], d, m) for a, d, m in legs]), "description": "x"},
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert api.get(f"/v1/tenants/{books['tenant']}/accounts").json() == before


def test_currency_mismatch(api: TestClient, books: dict[str, str]) -> None:
    dollars = _account(api, books["tenant"], "usd-wallet", currency="USD")
    response = api.post(
        "/v1/transfers",
        json={
            "postings": _legs((books["ana"], "debit", "1.00"), (dollars, "credit", "1.00")),
            "description": "x",
        },
    )
    assert response.status_code == 422
    assert response.json()["code"] == "currency_mismatch"


def test_reversal_mirrors_once(api: TestClient, books: dict[str, str]) -> None:
    original = api.post(
        "/v1/transfers",
        json={
            "postings": _legs((books["bia"], "debit", "20.00"), (books["caio"], "credit", "20.00")),
            "description": "compra",
        },
    ).json()
    reversal = api.post(f"/v1/transfers/{original['transfer_id']}/reversal")
    assert reversal.status_code == 201, reversal.text
    assert reversal.json()["kind"] == "reversal"
    assert reversal.json()["reverses_transfer_id"] == original["transfer_id"]
    assert api.get(f"/v1/accounts/{books['bia']}").json()["balance"] == "50.00"
    again = api.post(f"/v1/transfers/{original['transfer_id']}/reversal")
    assert again.status_code == 409
    assert again.json()["code"] == "already_reversed"


def test_batch_is_all_or_nothing_and_names_each_refused_item(
    api: TestClient, books: dict[str, str], ledger_conn: psycopg.Connection
) -> None:
    good = {
        "postings": _legs((books["ana"], "debit", "1.00"), (books["caio"], "credit", "1.00")),
        "description": "ok",
    }
    too_much = {
        "postings": _legs((books["bia"], "debit", "999.00"), (books["caio"], "credit", "999.00")),
        "description": "sem saldo",
    }
    unbalanced = {
        "postings": _legs((books["ana"], "debit", "2.00"), (books["caio"], "credit", "1.00")),
        "description": "torto",
    }
    refused = api.post("/v1/transfers/batch", json={"transfers": [good, too_much, good]})
    assert refused.status_code == 422
    assert refused.json()["code"] == "batch_rejected"
    assert [(i["index"], i["code"]) for i in refused.json()["items"]] == [(1, "insufficient_funds")]
    invalid = api.post("/v1/transfers/batch", json={"transfers": [good, unbalanced, too_much]})
    assert [(i["index"], i["code"]) for i in invalid.json()["items"]] == [
        (1, "unbalanced_transfer"),
        (2, "insufficient_funds"),
    ]
    assert api.get(f"/v1/accounts/{books['caio']}").json()["version"] == 0

    accepted = api.post("/v1/transfers/batch", json={"transfers": [good] * 3})
    assert accepted.status_code == 201, accepted.text
    versions = [t["postings"][1]["account_version"] for t in accepted.json()["transfers"]]
    assert versions == [1, 2, 3]
    assert api.get(f"/v1/accounts/{books['caio']}").json()["balance"] == "3.00"
    too_big = api.post("/v1/transfers/batch", json={"transfers": [good] * 1001})
    assert too_big.status_code == 422


def test_external_id_is_unique_per_tenant(api: TestClient, books: dict[str, str]) -> None:
    body = {
        "postings": _legs((books["ana"], "debit", "1.00"), (books["bia"], "credit", "1.00")),
        "description": "x",
        "external_id": "dup-1",
    }
    first = api.post("/v1/transfers", json=body)
    again = api.post("/v1/transfers", json=body)
    assert again.status_code == 409
    assert again.json()["transfer_id"] == first.json()["transfer_id"]


@pytest.mark.parametrize(
    "raw",
    [
        b'{"postings": [',
        b'{"postings": "many", "description": "x"}',
        b'{"postings": [], "description": "x"}',
        b'{"postings": [{"account_id": "x", "direction": "debit", "amount": "1"}],'
        b' "description": 1}',
        b'{"description": "x", "postings": [], "surprise": true}',
        b'{"description": "x", "occurred_at": "yesterday", "postings": []}',
    ],
)
def test_malformed_bodies_are_4xx(api: TestClient, raw: bytes) -> None:
    response = api.post("/v1/transfers", content=raw, headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"] == "application/problem+json"


def test_amount_beyond_bigint_totals_is_refused(api: TestClient, books: dict[str, str]) -> None:
    huge = "92233720368547758.07"  # the largest bigint in centavos
    source = _account(api, books["tenant"], "source", type="asset")
    first = api.post(
        "/v1/transfers",
        json={
            "postings": _legs((source, "debit", huge), (books["caio"], "credit", huge)),
            "description": "x",
        },
    )
    assert first.status_code == 201, first.text
    second = api.post(
        "/v1/transfers",
        json={
            "postings": _legs((source, "debit", "0.01"), (books["caio"], "credit", "0.01")),
            "description": "x",
        },
    )
    assert second.status_code == 422
    assert second.json()["code"] == "amount_out_of_range"
