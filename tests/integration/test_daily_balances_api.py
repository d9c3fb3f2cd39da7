"""Daily balances per business day of São Paulo, with quiet days carried."""

from collections.abc import Callable

from fastapi.testclient import TestClient


def _post(api: TestClient, merchant: str, entry_type: str, amount: str, occurred_at: str) -> None:
    response = api.post(
        f"/v1/merchants/{merchant}/entries",
        json={
            "type": entry_type,
            "amount": amount,
            "occurred_at": occurred_at,
            "description": "lançamento",
            "category": "teste",
        },
    )
    assert response.status_code == 201, response.text


def test_daily_balances_by_business_day(
    api: TestClient, merchant: str, project: Callable[[], int]
) -> None:
    _post(api, merchant, "credit", "100.00", "2026-03-01T12:00:00-03:00")
    _post(api, merchant, "debit", "25.50", "2026-03-01T18:00:00-03:00")
    # 23:30 in São Paulo is already the next day in UTC: it belongs to March 3rd locally.
    _post(api, merchant, "credit", "0.01", "2026-03-04T02:30:00Z")
    # Before the range: part of the opening balance only.
    _post(api, merchant, "credit", "1000.00", "2026-02-27T09:00:00-03:00")

    # The endpoint reads the read model: before the projector runs it has nothing yet.
    response = api.get(f"/v1/merchants/{merchant}/daily-balances?from=2026-03-01&to=2026-03-04")
    assert {d["closing_balance"] for d in response.json()["days"]} == {"0.00"}
    project()

    response = api.get(f"/v1/merchants/{merchant}/daily-balances?from=2026-03-01&to=2026-03-04")
    assert response.status_code == 200, response.text
    assert response.json()["projected_until"] is not None
    days = response.json()["days"]
    assert [
        (d["date"], d["opening_balance"], d["credits"], d["debits"], d["closing_balance"])
        for d in days
    ] == [
        ("2026-03-01", "1000.00", "100.00", "25.50", "1074.50"),
        ("2026-03-02", "1074.50", "0.00", "0.00", "1074.50"),
        ("2026-03-03", "1074.50", "0.01", "0.00", "1074.51"),
        ("2026-03-04", "1074.51", "0.00", "0.00", "1074.51"),
    ]
    assert days[0]["credit_count"] == 1 and days[0]["debit_count"] == 1


def test_bad_ranges_are_problems(api: TestClient, merchant: str) -> None:
    reversed_range = api.get(
        f"/v1/merchants/{merchant}/daily-balances?from=2026-03-05&to=2026-03-01"
    )
    assert reversed_range.status_code == 422
    assert reversed_range.json()["code"] == "invalid_date_range"
    too_long = api.get(f"/v1/merchants/{merchant}/daily-balances?from=2024-01-01&to=2026-03-01")
    assert too_long.json()["code"] == "invalid_date_range"
    not_a_date = api.get(f"/v1/merchants/{merchant}/daily-balances?from=2026-13-01")
    assert not_a_date.status_code == 422
    assert not_a_date.json()["code"] == "validation_error"
    unknown = api.get("/v1/merchants/nobody-here/daily-balances")
    assert unknown.status_code == 404


def test_default_range_is_the_last_30_days(api: TestClient, merchant: str) -> None:
    days = api.get(f"/v1/merchants/{merchant}/daily-balances").json()["days"]
    assert len(days) == 30
