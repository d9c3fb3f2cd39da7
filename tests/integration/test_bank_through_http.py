"""The "bank" test: 32 concurrent clients move money at random among a few hot accounts through
the HTTP API. Afterwards money is conserved, no policy is broken, every acknowledged transfer is
present exactly once and nothing else is, and each account's history is gapless."""

import random
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import psycopg
from fastapi.testclient import TestClient

from fluxo.local_api import LocalApiServer
from fluxo.settings import Settings

CLIENTS = 32
TRANSFERS_PER_CLIENT = 20
HOT_ACCOUNTS = 5


def test_concurrent_random_transfers_keep_the_books(
    api: TestClient, ledger_conn: psycopg.Connection
) -> None:
    tenant = f"bank-{uuid.uuid4().hex[:8]}"
    api.post("/v1/tenants", json={"tenant_id": tenant, "name": "Banco", "kind": "institution"})
    vault = api.post(
        f"/v1/tenants/{tenant}/accounts",
        json={"code": "vault", "name": "Cofre", "type": "asset", "balance_policy": "unrestricted"},
    ).json()["account_id"]
    hot = [
        api.post(
            f"/v1/tenants/{tenant}/accounts",
            json={"code": f"hot-{n}", "name": "x", "type": "liability"},
        ).json()["account_id"]
        for n in range(HOT_ACCOUNTS)
    ]
    funding = api.post(
        "/v1/transfers",
        json={
            "postings": [{"account_id": vault, "direction": "debit", "amount": "500.00"}]
            + [{"account_id": a, "direction": "credit", "amount": "100.00"} for a in hot],
            "description": "abertura",
        },
    )
    assert funding.status_code == 201, funding.text

    def client(url: str, seed: int) -> list[tuple[str, int, str]]:
        chooser = random.Random(seed)
        outcomes = []
        with httpx.Client(base_url=url, timeout=60) as http:
            http.headers["X-API-Key"] = api.headers["X-API-Key"]
            for _ in range(TRANSFERS_PER_CLIENT):
                source, target = chooser.sample(hot, 2)
                amount = f"{chooser.randint(1, 6000) / 100:.2f}"  # sometimes more than is there
                external_id = uuid.uuid4().hex
                response = http.post(
                    "/v1/transfers",
                    json={
                        "postings": [
                            {"account_id": source, "direction": "debit", "amount": amount},
                            {"account_id": target, "direction": "credit", "amount": amount},
                        ],
                        "description": "pix",
                        "external_id": external_id,
                    },
                )
                code = response.json().get("code", "") if response.status_code != 201 else ""
                outcomes.append((external_id, response.status_code, code))
        return outcomes

    with LocalApiServer(Settings()) as url, ThreadPoolExecutor(CLIENTS) as pool:
        runs = pool.map(lambda seed: client(url, seed), range(CLIENTS))
        outcomes = [outcome for run in runs for outcome in run]

    statuses = {(status, code) for _, status, code in outcomes}
    assert statuses <= {(201, ""), (422, "insufficient_funds")}, statuses
    acknowledged = {external_id for external_id, status, _ in outcomes if status == 201}
    assert len(acknowledged) > CLIENTS  # the test moved money, not only refusals

    stored = ledger_conn.execute(
        "select t.external_id, count(p.*) from ledger.transfers t"
        " join ledger.postings p using (transfer_id)"
        " where t.tenant_id = %s and t.external_id is not null group by t.external_id",
        (tenant,),
    ).fetchall()
    assert {external_id for external_id, _ in stored} == acknowledged
    assert {legs for _, legs in stored} == {2}

    balances = ledger_conn.execute(
        "select account_id, posted_credits_minor - posted_debits_minor, version"
        " from ledger.accounts where account_id = any(%s)",
        (hot,),
    ).fetchall()
    assert sum(balance for _, balance, _ in balances) == 500_00  # conserved
    assert all(balance >= 0 for _, balance, _ in balances)

    for account_id, balance, version in balances:
        history = ledger_conn.execute(
            "select account_version, direction, amount_minor, balance_after_minor"
            " from ledger.postings where account_id = %s order by account_version",
            (account_id,),
        ).fetchall()
        assert [row[0] for row in history] == list(range(1, version + 1))
        running = 0
        for _, direction, amount, balance_after in history:
            running += amount if direction == "credit" else -amount
            assert balance_after == running >= 0
        assert running == balance
