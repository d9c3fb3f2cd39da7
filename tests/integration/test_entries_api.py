"""The entry endpoint stores exactly what it was given, and bad input gets problem+json 4xx."""

import uuid
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

VALID_ENTRY: dict[str, Any] = {
    "type": "credit",
    "amount": "1234.56",
    "occurred_at": "2026-11-20T23:30:00-03:00",
    "description": "Pix recebido de cliente",
    "category": "vendas_pix",
}


def test_entry_is_stored_as_given(
    api: TestClient, merchant: str, ledger_conn: psycopg.Connection
) -> None:
    response = api.post(
        f"/v1/merchants/{merchant}/entries", json=VALID_ENTRY | {"external_id": "nf-001"}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["amount"] == "1234.56"
    assert body["currency"] == "BRL"
    assert body["occurred_at"] == "2026-11-21T02:30:00Z"
    assert response.headers["location"] == f"/v1/merchants/{merchant}/entries/{body['entry_id']}"

    stored = ledger_conn.execute(
        "select entry_type, amount_minor, currency, occurred_at, description, category, external_id"
        " from ledger.entries where entry_id = %s",
        (body["entry_id"],),
    ).fetchone()
    assert stored is not None
    assert stored[0:3] == ("credit", 123456, "BRL")
    assert stored[3].isoformat() == "2026-11-21T02:30:00+00:00"
    assert stored[4:] == ("Pix recebido de cliente", "vendas_pix", "nf-001")

    fetched = api.get(f"/v1/merchants/{merchant}/entries/{body['entry_id']}")
    assert fetched.status_code == 200
    assert fetched.json() == body


def test_repeated_external_id_is_refused_and_points_to_the_original(
    api: TestClient, merchant: str, ledger_conn: psycopg.Connection
) -> None:
    entry = VALID_ENTRY | {"external_id": "nf-dup"}
    first = api.post(f"/v1/merchants/{merchant}/entries", json=entry)
    again = api.post(f"/v1/merchants/{merchant}/entries", json=entry)
    assert first.status_code == 201
    assert again.status_code == 409
    assert again.json()["code"] == "duplicate_external_id"
    assert again.json()["entry_id"] == first.json()["entry_id"]
    count = ledger_conn.execute(
        "select count(*) from ledger.entries where merchant_id = %s", (merchant,)
    ).fetchone()
    assert count == (1,)


BAD_BODIES = [
    ("amount_as_number", VALID_ENTRY | {"amount": 10.5}, 422),
    ("amount_three_decimals", VALID_ENTRY | {"amount": "10.505"}, 422),
    ("amount_zero", VALID_ENTRY | {"amount": "0.00"}, 422),
    ("amount_negative", VALID_ENTRY | {"amount": "-10.00"}, 422),
    ("amount_not_a_number", VALID_ENTRY | {"amount": "dez reais"}, 422),
    ("amount_exponent", VALID_ENTRY | {"amount": "1e9"}, 422),
    ("amount_beyond_bigint", VALID_ENTRY | {"amount": "92233720368547758.08"}, 422),
    ("amount_huge", VALID_ENTRY | {"amount": "9" * 400}, 422),
    ("unknown_type", VALID_ENTRY | {"type": "transfer"}, 422),
    ("unknown_field", VALID_ENTRY | {"amout": "1.00"}, 422),
    ("naive_datetime", VALID_ENTRY | {"occurred_at": "2026-11-20T10:00:00"}, 422),
    ("bad_datetime", VALID_ENTRY | {"occurred_at": "2026-02-30T10:00:00Z"}, 422),
    ("bad_currency", VALID_ENTRY | {"currency": "real"}, 422),
    ("empty_description", VALID_ENTRY | {"description": ""}, 422),
    ("description_too_long", VALID_ENTRY | {"description": "x" * 501}, 422),
    ("missing_fields", {"type": "credit"}, 422),
    ("json_array", [VALID_ENTRY], 422),
    ("json_null", None, 422),
]


@pytest.mark.parametrize(("case", "body", "status"), BAD_BODIES, ids=[c[0] for c in BAD_BODIES])
def test_bad_input_gets_a_problem(
    api: TestClient, merchant: str, case: str, body: Any, status: int
) -> None:
    response = api.post(f"/v1/merchants/{merchant}/entries", json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert problem["status"] == status
    assert problem["detail"]
    assert "Traceback" not in response.text


@pytest.mark.parametrize(
    "raw", [b"{not json", b"", b'{"type": "credit",', '{"amount": "1\u0000"}'.encode()]
)
def test_malformed_json_gets_400(api: TestClient, merchant: str, raw: bytes) -> None:
    response = api.post(
        f"/v1/merchants/{merchant}/entries",
        content=raw,
        headers={"content-type": "application/json"},
    )
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] in {"malformed_json", "validation_error"}


def test_unknown_merchant_is_404(api: TestClient) -> None:
    response = api.post("/v1/merchants/no-such-merchant/entries", json=VALID_ENTRY)
    assert response.status_code == 404
    assert response.json()["code"] == "merchant_not_found"


def test_currency_other_than_the_merchants_is_refused(api: TestClient, merchant: str) -> None:
    response = api.post(f"/v1/merchants/{merchant}/entries", json=VALID_ENTRY | {"currency": "USD"})
    assert response.status_code == 422
    assert response.json()["code"] == "currency_mismatch"


def test_unknown_entry_is_404(api: TestClient, merchant: str) -> None:
    response = api.get(f"/v1/merchants/{merchant}/entries/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.json()["code"] == "entry_not_found"
    assert api.get(f"/v1/merchants/{merchant}/entries/not-a-uuid").status_code == 422


def test_merchant_registration(api: TestClient, merchant_id: str) -> None:
    body = {"merchant_id": merchant_id, "name": "Padaria", "timezone": "America/Manaus"}
    assert api.post("/v1/merchants", json=body).status_code == 201
    again = api.post("/v1/merchants", json=body)
    assert again.status_code == 409 and again.json()["code"] == "merchant_already_exists"
    assert api.get(f"/v1/merchants/{merchant_id}").json()["timezone"] == "America/Manaus"
    bad_zone = api.post(
        "/v1/merchants", json={"merchant_id": "x-zone", "name": "X", "timezone": "Mars/Base"}
    )
    assert bad_zone.status_code == 422
    bad_id = api.post("/v1/merchants", json={"merchant_id": "Has Spaces", "name": "X"})
    assert bad_id.status_code == 422


def test_unknown_route_and_method_are_problems(api: TestClient) -> None:
    assert api.get("/v2/nothing").headers["content-type"] == "application/problem+json"
    response = api.delete("/v1/merchants")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_a_repeated_debit_is_a_duplicate_even_when_funds_are_short(
    api: TestClient, merchant: str
) -> None:
    """A client retrying a debit that went through must hear "duplicate", not "no funds"."""
    credit = VALID_ENTRY | {"type": "credit", "amount": "50.00", "external_id": "in-1"}
    debit = VALID_ENTRY | {"type": "debit", "amount": "40.00", "external_id": "out-1"}
    assert api.post(f"/v1/merchants/{merchant}/entries", json=credit).status_code == 201
    first = api.post(f"/v1/merchants/{merchant}/entries", json=debit)
    assert first.status_code == 201
    retried = api.post(f"/v1/merchants/{merchant}/entries", json=debit)
    assert retried.status_code == 409
    assert retried.json()["code"] == "duplicate_external_id"
    assert retried.json()["entry_id"] == first.json()["entry_id"]
