"""Authentication on everything but health, and roles: a merchant never reads or moves another
tenant's money, on any endpoint; an auditor only reads."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from fastapi.testclient import TestClient

from tests.integration.conftest import ClientFactory


@pytest.fixture
def two_merchants(api: TestClient) -> dict[str, str]:
    """Two merchants with money, a transfer and a hold each; returns the ids a test aims at."""
    ids: dict[str, str] = {}
    for name in ("mine", "theirs"):
        merchant = f"m-{uuid.uuid4().hex[:12]}"
        api.post("/v1/merchants", json={"merchant_id": merchant, "name": name})
        entry = api.post(
            f"/v1/merchants/{merchant}/entries",
            json={
                "type": "credit",
                "amount": "100.00",
                "occurred_at": "2026-06-01T10:00:00Z",
                "description": "venda",
                "category": "vendas",
            },
        ).json()
        accounts = {
            a["code"]: a["account_id"]
            for a in api.get(f"/v1/tenants/{merchant}/accounts").json()["items"]
        }
        hold = api.post(
            "/v1/holds",
            json={
                "debit_account_id": accounts["cash"],
                "credit_account_id": accounts["external"],
                "amount": "1.00",
                "description": "reserva",
            },
        ).json()
        ids |= {
            f"{name}_merchant": merchant,
            f"{name}_cash": accounts["cash"],
            f"{name}_external": accounts["external"],
            f"{name}_entry": entry["entry_id"],
            f"{name}_hold": hold["hold_id"],
        }
    return ids


# Every route that touches a tenant's data, aimed at the other merchant's.
def _foreign_requests(ids: dict[str, str]) -> list[tuple[str, str, dict[str, object] | None]]:
    m, cash = ids["theirs_merchant"], ids["theirs_cash"]
    my_cash = ids["mine_cash"]
    entry, hold = ids["theirs_entry"], ids["theirs_hold"]
    move = {
        "postings": [
            {"account_id": cash, "direction": "debit", "amount": "1.00"},
            {"account_id": my_cash, "direction": "credit", "amount": "1.00"},
        ],
        "description": "roubo",
    }
    return [
        ("GET", f"/v1/merchants/{m}", None),
        (
            "POST",
            f"/v1/merchants/{m}/entries",
            {
                "type": "debit",
                "amount": "1.00",
                "occurred_at": "2026-06-02T10:00:00Z",
                "description": "x",
                "category": "y",
            },
        ),
        ("GET", f"/v1/merchants/{m}/entries/{entry}", None),
        ("GET", f"/v1/merchants/{m}/daily-balances", None),
        ("GET", f"/v1/tenants/{m}", None),
        ("GET", f"/v1/tenants/{m}/accounts", None),
        ("POST", f"/v1/tenants/{m}/accounts", {"code": "x", "name": "x", "type": "asset"}),
        ("GET", f"/v1/accounts/{cash}", None),
        ("GET", f"/v1/accounts/{cash}/balances", None),
        ("GET", f"/v1/accounts/{cash}/statement", None),
        ("GET", f"/v1/accounts/{cash}/daily-balances", None),
        ("POST", "/v1/transfers", move),
        ("POST", "/v1/transfers/batch", {"transfers": [move]}),
        ("GET", f"/v1/transfers/{entry}", None),
        ("POST", f"/v1/transfers/{entry}/reversal", None),
        (
            "POST",
            "/v1/holds",
            {
                "debit_account_id": cash,
                "credit_account_id": my_cash,
                "amount": "1.00",
                "description": "x",
            },
        ),
        ("GET", f"/v1/holds/{hold}", None),
        ("POST", f"/v1/holds/{hold}/post", None),
        ("POST", f"/v1/holds/{hold}/void", None),
        ("POST", "/v1/merchants", {"merchant_id": f"n-{uuid.uuid4().hex[:8]}", "name": "x"}),
        ("POST", "/v1/tenants", {"tenant_id": f"n-{uuid.uuid4().hex[:8]}", "name": "x"}),
        ("GET", "/v1/audit/verification", None),
    ]


def _balances(api: TestClient, ids: dict[str, str]) -> tuple[str, str]:
    return (
        api.get(f"/v1/accounts/{ids['theirs_cash']}").json()["available_balance"],
        api.get(f"/v1/accounts/{ids['mine_cash']}").json()["available_balance"],
    )


def test_a_merchant_reaches_no_other_tenant_on_any_endpoint(
    api: TestClient, client_as: ClientFactory, two_merchants: dict[str, str]
) -> None:
    merchant = client_as("merchant", two_merchants["mine_merchant"])
    before = _balances(api, two_merchants)
    routes_in_app = {
        (method, route.path)  # type: ignore[attr-defined]
        for route in merchant.app.routes  # type: ignore[attr-defined]
        for method in getattr(route, "methods", ())
        if route.path.startswith("/v1/") and route.path != "/v1/auth/token"  # type: ignore[attr-defined]
    }
    requests = _foreign_requests(two_merchants)
    covered = {(method, _template(path)) for method, path, _ in requests}
    assert routes_in_app <= covered, f"add these routes to the test: {routes_in_app - covered}"

    for method, path, body in requests:
        response = merchant.request(method, path, json=body)
        assert response.status_code in (403, 404), (method, path, response.text)
        # No figure of theirs leaks (the problem's `instance` does echo the path asked for).
        assert "100.00" not in response.text and "99.00" not in response.text, (method, path)
    assert _balances(api, two_merchants) == before


def _template(path: str) -> str:
    """/v1/accounts/<uuid>/balances -> /v1/accounts/{account_id}/balances, as the app names it."""
    parts = path.split("/")
    names = {
        "merchants": "merchant_id",
        "tenants": "tenant_id",
        "accounts": "account_id",
        "transfers": "transfer_id",
        "holds": "hold_id",
        "entries": "entry_id",
    }
    out = []
    for i, part in enumerate(parts):
        previous = parts[i - 1] if i else ""
        if previous in names and part not in ("batch", "verification"):
            out.append("{" + names[previous] + "}")
        else:
            out.append(part)
    return "/".join(out)


def test_a_merchant_works_on_its_own_books(
    client_as: ClientFactory, two_merchants: dict[str, str]
) -> None:
    merchant = client_as("merchant", two_merchants["mine_merchant"])
    own = two_merchants["mine_merchant"]
    assert merchant.get(f"/v1/merchants/{own}").status_code == 200
    assert merchant.get(f"/v1/accounts/{two_merchants['mine_cash']}").status_code == 200
    paid = merchant.post(
        "/v1/transfers",
        json={
            "postings": [
                {"account_id": two_merchants["mine_cash"], "direction": "debit", "amount": "5.00"},
                {
                    "account_id": two_merchants["theirs_cash"],
                    "direction": "credit",
                    "amount": "5.00",
                },
            ],
            "description": "pagamento a outro lojista",
        },
    )
    assert paid.status_code == 201, paid.text  # paying another tenant is allowed
    listed = merchant.get("/v1/tenants").json()["items"]
    assert [t["tenant_id"] for t in listed] == [own]


def test_auditor_reads_everything_and_changes_nothing(
    client_as: ClientFactory, two_merchants: dict[str, str]
) -> None:
    auditor = client_as("auditor")
    assert auditor.get(f"/v1/accounts/{two_merchants['theirs_cash']}").status_code == 200
    assert auditor.get("/v1/audit/verification").json()["intact"] is True
    for method, path, body in _foreign_requests(two_merchants):
        if method == "POST":
            assert auditor.request(method, path, json=body).status_code in (403, 405), path


def test_credentials(
    anonymous: TestClient, issue_key: Callable[..., str], two_merchants: dict[str, str]
) -> None:
    assert anonymous.get("/health").status_code == 200
    missing = anonymous.get(f"/v1/accounts/{two_merchants['mine_cash']}")
    assert missing.status_code == 401
    assert missing.json()["code"] == "unauthenticated"
    for bad in (
        {"X-API-Key": "fxk_nope_nope"},
        {"X-API-Key": "garbage"},
        {"Authorization": "Bearer not.a.jwt"},
        {"Authorization": "Basic abc"},
    ):
        assert anonymous.get("/v1/tenants", headers=bad).status_code == 401, bad

    key = issue_key("merchant", two_merchants["mine_merchant"])
    token = anonymous.post("/v1/auth/token", json={"api_key": key})
    assert token.status_code == 200
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert (
        anonymous.get(f"/v1/merchants/{two_merchants['mine_merchant']}", headers=bearer).status_code
        == 200
    )
    assert anonymous.post("/v1/auth/token", json={"api_key": key + "x"}).status_code == 401

    signing_key = anonymous.app.state.signing_key  # type: ignore[attr-defined]
    expired = jwt.encode(
        {
            "iss": "fluxo-ledger",
            "sub": "key:x",
            "role": "admin",
            "tenant": None,
            "iat": datetime.now(UTC) - timedelta(hours=2),
            "exp": datetime.now(UTC) - timedelta(hours=1),
        },
        signing_key,
        "HS256",
    )
    assert (
        anonymous.get("/v1/tenants", headers={"Authorization": f"Bearer {expired}"}).status_code
        == 401
    )
    forged = jwt.encode(
        {
            "iss": "fluxo-ledger",
            "sub": "key:x",
            "role": "admin",
            "iat": datetime.now(UTC),
            "exp": datetime.now(UTC) + timedelta(hours=1),
        },
        "another-secret-of-enough-length-32b",
        "HS256",
    )
    assert (
        anonymous.get("/v1/tenants", headers={"Authorization": f"Bearer {forged}"}).status_code
        == 401
    )
