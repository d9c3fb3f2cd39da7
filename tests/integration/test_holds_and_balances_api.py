"""Two-phase transfers (holds), balances now and as of an instant, and the statement with its
running balance across pages."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from core_ledger.services.holds import expire_due_holds


@pytest.fixture
def wallets(api: TestClient) -> dict[str, str]:
    """A merchant with 100.00 in cash, and a customer wallet at zero, in one institution."""
    tenant = f"t-{uuid.uuid4().hex[:12]}"
    api.post("/v1/tenants", json={"tenant_id": tenant, "name": "Banco", "kind": "institution"})
    ids = {}
    for code, kind in (("funding", "asset"), ("shop", "liability"), ("customer", "liability")):
        response = api.post(
            f"/v1/tenants/{tenant}/accounts", json={"code": code, "name": code, "type": kind}
        )
        ids[code] = response.json()["account_id"]
    _transfer(api, ids["funding"], ids["shop"], "100.00", "2026-05-10T12:00:00-03:00")
    return ids


def _transfer(api: TestClient, debit: str, credit: str, amount: str, at: str) -> dict[str, str]:
    response = api.post(
        "/v1/transfers",
        json={
            "postings": [
                {"account_id": debit, "direction": "debit", "amount": amount},
                {"account_id": credit, "direction": "credit", "amount": amount},
            ],
            "description": f"mov {amount}",
            "occurred_at": at,
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


def _balances(api: TestClient, account: str) -> tuple[str, str, str]:
    body = api.get(f"/v1/accounts/{account}/balances").json()
    return body["posted"], body["pending_outflow"], body["available"]


def _hold(api: TestClient, wallets: dict[str, str], amount: str, **extra: str) -> dict[str, str]:
    response = api.post(
        "/v1/holds",
        json={
            "debit_account_id": wallets["shop"],
            "credit_account_id": wallets["customer"],
            "amount": amount,
            "description": "pré-autorização",
        }
        | extra,
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_hold_reserves_then_posts_in_part(api: TestClient, wallets: dict[str, str]) -> None:
    hold = _hold(api, wallets, "60.00")
    assert hold["status"] == "pending"
    assert _balances(api, wallets["shop"]) == ("100.00", "60.00", "40.00")
    # Only what is available can be reserved or moved.
    over = api.post(
        "/v1/holds",
        json={
            "debit_account_id": wallets["shop"],
            "credit_account_id": wallets["customer"],
            "amount": "40.01",
            "description": "x",
        },
    )
    assert over.json()["code"] == "insufficient_funds"

    posted = api.post(f"/v1/holds/{hold['hold_id']}/post", json={"amount": "45.50"})
    assert posted.status_code == 200, posted.text
    assert posted.json()["status"] == "posted"
    assert posted.json()["posted_amount"] == "45.50"
    assert posted.json()["transfer"]["kind"] == "hold_posting"
    assert _balances(api, wallets["shop"]) == ("54.50", "0.00", "54.50")
    assert _balances(api, wallets["customer"])[0] == "45.50"
    again = api.post(f"/v1/holds/{hold['hold_id']}/void")
    assert again.status_code == 409
    assert again.json()["code"] == "hold_not_pending"


def test_void_releases(api: TestClient, wallets: dict[str, str]) -> None:
    hold = _hold(api, wallets, "100.00")
    assert _balances(api, wallets["shop"]) == ("100.00", "100.00", "0.00")
    voided = api.post(f"/v1/holds/{hold['hold_id']}/void")
    assert voided.json()["status"] == "voided"
    assert _balances(api, wallets["shop"]) == ("100.00", "0.00", "100.00")
    more = api.post(f"/v1/holds/{hold['hold_id']}/post", json={"amount": "1.00"})
    assert more.json()["code"] == "hold_not_pending"


def test_cannot_post_more_than_held(api: TestClient, wallets: dict[str, str]) -> None:
    hold = _hold(api, wallets, "10.00")
    response = api.post(f"/v1/holds/{hold['hold_id']}/post", json={"amount": "10.01"})
    assert response.status_code == 422


def test_expiry_releases_at_the_deadline(
    api: TestClient, wallets: dict[str, str], ledger_sessions: sessionmaker[Session]
) -> None:
    deadline = datetime.now(UTC) + timedelta(minutes=5)
    hold = _hold(api, wallets, "70.00", expires_at=deadline.isoformat())
    assert expire_due_holds(ledger_sessions, now=deadline - timedelta(seconds=1)) == 0
    assert _balances(api, wallets["shop"])[2] == "30.00"
    assert expire_due_holds(ledger_sessions, now=deadline) >= 1
    assert api.get(f"/v1/holds/{hold['hold_id']}").json()["status"] == "expired"
    assert _balances(api, wallets["shop"]) == ("100.00", "0.00", "100.00")


def test_balance_as_of_and_statement_pages(
    api: TestClient, wallets: dict[str, str], project: Callable[[], int]
) -> None:
    shop, customer = wallets["shop"], wallets["customer"]
    for n, day in enumerate(range(11, 16)):
        _transfer(api, shop, customer, f"{n + 1}.00", f"2026-05-{day}T09:00:00-03:00")
    # Backdated: effective on the 12th although posted last.
    _transfer(api, wallets["funding"], shop, "0.50", "2026-05-12T23:59:00-03:00")

    as_of = api.get(f"/v1/accounts/{shop}/balances", params={"as_of": "2026-05-12T23:59:00-03:00"})
    assert as_of.json()["posted"] == "97.50"  # 100 - 1 - 2 + 0.50

    lines, cursor, openings = [], None, []
    while True:
        params = {"from": "2026-05-11", "to": "2026-05-15", "limit": 2}
        page = api.get(
            f"/v1/accounts/{shop}/statement", params=params | ({"cursor": cursor} if cursor else {})
        ).json()
        openings.append(page["opening_balance"])
        lines += page["lines"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [(line["amount"], line["running_balance"]) for line in lines] == [
        ("1.00", "99.00"),
        ("2.00", "97.00"),
        ("0.50", "97.50"),
        ("3.00", "94.50"),
        ("4.00", "90.50"),
        ("5.00", "85.50"),
    ]
    assert openings == ["100.00", "97.00", "94.50"]
    bad = api.get(f"/v1/accounts/{shop}/statement", params={"cursor": "not-ours"})
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid_cursor"

    project()
    days = api.get(
        f"/v1/accounts/{shop}/daily-balances", params={"from": "2026-05-10", "to": "2026-05-12"}
    ).json()["days"]
    assert [(d["date"], d["closing_balance"]) for d in days] == [
        ("2026-05-10", "100.00"),
        ("2026-05-11", "99.00"),
        ("2026-05-12", "97.50"),
    ]
