"""A transfer's counterparty through the API: stored normalised, returned masked, refused with its
code when wrong, part of the idempotency fingerprint, carried by hold postings, reversals and
entries, sealed in the audit chain; and its copy to raw, with the document tokenized."""

import random
import uuid
from dataclasses import replace
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql
from sqlalchemy.orm import Session, sessionmaker

from core_ledger.documents import check_digits_cnpj, check_digits_cpf, mask_document
from core_ledger.services import audit
from fluxo.databases import DatabaseUrls
from ingestion.documents import TOKEN_KEY_ENV, tokenize
from ingestion.ledger.load import ensure_raw_table, load_ledger
from ingestion.ledger.tables import TRANSFERS

KEY = "test-document-token-key-counterparty-0123456789"


@pytest.fixture(autouse=True)
def token_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_KEY_ENV, KEY)


def _cpf() -> str:
    return check_digits_cpf(f"{random.randrange(10**8, 10**9):09d}")


def _cnpj() -> str:
    return check_digits_cnpj(f"{random.randrange(10**7, 10**8):08d}0001")


def _punctuated_cpf(cpf: str) -> str:
    return f"{cpf[:3]}.{cpf[3:6]}.{cpf[6:9]}-{cpf[9:]}"


@pytest.fixture
def books(api: TestClient) -> dict[str, str]:
    """An institution with a funding account (asset) and a customer wallet holding R$ 1.000,00."""
    tenant = f"t-{uuid.uuid4().hex[:12]}"
    created = api.post(
        "/v1/tenants", json={"tenant_id": tenant, "name": "T", "kind": "institution"}
    )
    assert created.status_code == 201, created.text
    accounts = {"tenant": tenant}
    for code, account_type in (("funding", "asset"), ("wallet", "liability")):
        response = api.post(
            f"/v1/tenants/{tenant}/accounts",
            json={"code": code, "name": code, "type": account_type},
        )
        assert response.status_code == 201, response.text
        accounts[code] = str(response.json()["account_id"])
    funded = api.post("/v1/transfers", json=_transfer(accounts, "1000.00"))
    assert funded.status_code == 201, funded.text
    return accounts


def _transfer(books: dict[str, str], amount: str = "10.00", **extra: Any) -> dict[str, Any]:
    return {
        "postings": [
            {"account_id": books["funding"], "direction": "debit", "amount": amount},
            {"account_id": books["wallet"], "direction": "credit", "amount": amount},
        ],
        "description": "Pix recebido",
        **extra,
    }


def _stored(ledger_conn: psycopg.Connection, transfer_id: str) -> tuple[Any, ...] | None:
    return ledger_conn.execute(
        "select counterparty_document, counterparty_name, counterparty_country"
        " from ledger.transfers where transfer_id = %s",
        (transfer_id,),
    ).fetchone()


def test_a_counterparty_is_stored_normalised_and_returned_masked(
    api: TestClient, books: dict[str, str], ledger_conn: psycopg.Connection
) -> None:
    cpf = _cpf()
    response = api.post(
        "/v1/transfers",
        json=_transfer(
            books,
            counterparty={"document": _punctuated_cpf(cpf), "name": "Ana Souza", "country": "br"},
        ),
    )
    assert response.status_code == 201, response.text
    assert response.json()["counterparty"] == {
        "document_masked": mask_document(cpf),
        "document_kind": "cpf",
        "name": "Ana Souza",
        "country": "BR",
    }
    assert cpf not in response.text
    transfer_id = response.json()["transfer_id"]
    assert _stored(ledger_conn, transfer_id) == (cpf, "Ana Souza", "BR")
    assert api.get(f"/v1/transfers/{transfer_id}").json() == response.json()

    # Each field is optional on its own; a transfer without a counterparty has none.
    only_country = api.post("/v1/transfers", json=_transfer(books, counterparty={"country": "IR"}))
    assert only_country.json()["counterparty"] == {
        "document_masked": None,
        "document_kind": None,
        "name": None,
        "country": "IR",
    }
    plain = api.post("/v1/transfers", json=_transfer(books))
    assert plain.json()["counterparty"] is None
    assert _stored(ledger_conn, plain.json()["transfer_id"]) == (None, None, None)


@pytest.mark.parametrize(
    ("counterparty", "code"),
    [
        ({"document": "123.456.789-00"}, "invalid_counterparty_document"),  # check digits
        ({"document": "111.111.111-11"}, "invalid_counterparty_document"),  # repeated digit
        ({"document": "1234567890"}, "invalid_counterparty_document"),  # neither length
        ({"country": "XX"}, "invalid_counterparty_country"),  # not assigned
        ({"country": "BRA"}, "invalid_counterparty_country"),  # alpha-3
        ({}, "empty_counterparty"),
        ({"document": None, "name": None, "country": None}, "empty_counterparty"),
        ({"name": ""}, "validation_error"),
        ({"iban": "x"}, "validation_error"),
    ],
)
def test_a_wrong_counterparty_is_refused_with_its_code(
    api: TestClient,
    books: dict[str, str],
    counterparty: dict[str, Any],
    code: str,
) -> None:
    response = api.post("/v1/transfers", json=_transfer(books, counterparty=counterparty))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code
    assert str(counterparty.get("document")) not in response.json()["detail"]


def test_a_batch_names_each_item_whose_counterparty_is_wrong(
    api: TestClient, books: dict[str, str], ledger_conn: psycopg.Connection
) -> None:
    response = api.post(
        "/v1/transfers/batch",
        json={
            "transfers": [
                _transfer(books, counterparty={"document": _cnpj(), "country": "BR"}),
                _transfer(books, counterparty={"country": "ZZ"}),
                _transfer(books, counterparty={"document": "00000000000000"}),
            ]
        },
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "batch_rejected"
    assert [(i["index"], i["code"]) for i in response.json()["items"]] == [
        (1, "invalid_counterparty_country"),
        (2, "invalid_counterparty_document"),
    ]

    cnpj = _cnpj()
    accepted = api.post(
        "/v1/transfers/batch",
        json={"transfers": [_transfer(books, counterparty={"document": cnpj}), _transfer(books)]},
    )
    assert accepted.status_code == 201, accepted.text
    first, second = accepted.json()["transfers"]
    assert first["counterparty"]["document_kind"] == "cnpj"
    assert second["counterparty"] is None
    assert _stored(ledger_conn, first["transfer_id"]) == (cnpj, None, None)


def test_a_replay_with_another_counterparty_is_a_conflict(
    api: TestClient, books: dict[str, str]
) -> None:
    headers = {"Idempotency-Key": f"cp-{uuid.uuid4().hex}"}
    body = _transfer(books, counterparty={"name": "Loja A", "country": "BR"})
    first = api.post("/v1/transfers", json=body, headers=headers)
    assert first.status_code == 201, first.text
    same = api.post("/v1/transfers", json=body, headers=headers)
    assert same.headers.get("Idempotent-Replayed") == "true"
    assert same.json() == first.json()

    other = api.post(
        "/v1/transfers",
        json=body | {"counterparty": {"name": "Loja A", "country": "PY"}},
        headers=headers,
    )
    assert other.status_code == 422, other.text
    assert other.json()["code"] == "idempotency_conflict"
    dropped = api.post(
        "/v1/transfers",
        json={k: v for k, v in body.items() if k != "counterparty"},
        headers=headers,
    )
    assert dropped.json()["code"] == "idempotency_conflict"


def test_hold_postings_reversals_and_entries_carry_the_counterparty(
    api: TestClient, books: dict[str, str], merchant: str
) -> None:
    cnpj = _cnpj()
    counterparty = {"document": cnpj, "name": "Fornecedor SA", "country": "VG"}
    placed = api.post(
        "/v1/holds",
        json={
            "debit_account_id": books["wallet"],
            "credit_account_id": books["funding"],
            "amount": "5.00",
            "description": "reserva",
            "counterparty": counterparty,
        },
    )
    assert placed.status_code == 201, placed.text
    expected = {
        "document_masked": mask_document(cnpj),
        "document_kind": "cnpj",
        "name": "Fornecedor SA",
        "country": "VG",
    }
    assert placed.json()["counterparty"] == expected
    posted = api.post(f"/v1/holds/{placed.json()['hold_id']}/post")
    assert posted.status_code == 200, posted.text
    assert posted.json()["transfer"]["counterparty"] == expected

    refused = api.post(
        "/v1/holds",
        json={
            "debit_account_id": books["wallet"],
            "credit_account_id": books["funding"],
            "amount": "5.00",
            "description": "reserva",
            "counterparty": {"country": "Brasil"},
        },
    )
    assert refused.json()["code"] == "invalid_counterparty_country"

    transfer = api.post("/v1/transfers", json=_transfer(books, counterparty=counterparty))
    reversal = api.post(f"/v1/transfers/{transfer.json()['transfer_id']}/reversal")
    assert reversal.status_code == 201, reversal.text
    assert reversal.json()["counterparty"] == expected

    entry = api.post(
        f"/v1/merchants/{merchant}/entries",
        json={
            "type": "credit",
            "amount": "20.00",
            "occurred_at": "2026-06-01T10:00:00Z",
            "description": "Pix recebido",
            "category": "vendas_pix",
            "counterparty": counterparty,
        },
    )
    assert entry.status_code == 201, entry.text
    assert entry.json()["counterparty"] == expected
    fetched = api.get(f"/v1/merchants/{merchant}/entries/{entry.json()['entry_id']}")
    assert fetched.json()["counterparty"] == expected


def test_the_audit_chain_records_the_counterparty_and_still_verifies(
    api: TestClient,
    books: dict[str, str],
    ledger_sessions: sessionmaker[Session],
    ledger_conn: psycopg.Connection,
) -> None:
    cpf = _cpf()
    response = api.post(
        "/v1/transfers",
        json=_transfer(books, counterparty={"document": cpf, "name": "Ana", "country": "NG"}),
    )
    transfer_id = response.json()["transfer_id"]
    audit.seal_pending(ledger_sessions)
    verification = audit.verify(ledger_sessions)
    assert verification.intact, verification.problem
    recorded = ledger_conn.execute(
        "select after -> 'counterparty' from ledger.audit_log"
        " where entity_type = 'transfer' and entity_id = %s",
        (transfer_id,),
    ).fetchone()
    assert recorded == ({"document": cpf, "name": "Ana", "country": "NG"},)


def test_the_raw_copy_tokenizes_the_counterparty_document(
    api: TestClient,
    books: dict[str, str],
    database_urls: DatabaseUrls,
    ledger_sessions: sessionmaker[Session],
    warehouse_conn: psycopg.Connection,
) -> None:
    cpf, cnpj = _cpf(), _cnpj()
    ids = [
        api.post("/v1/transfers", json=_transfer(books, counterparty=c)).json()["transfer_id"]
        for c in (
            {"document": _punctuated_cpf(cpf), "name": "Ana Souza", "country": "BR"},
            {"document": cnpj, "country": "IR"},
            {"name": "Sem documento"},
        )
    ]
    audit.seal_pending(ledger_sessions)
    load_ledger(database_urls.ledger_dsn, database_urls.warehouse_dsn)

    landed = warehouse_conn.execute(
        "select counterparty_document_token, counterparty_document_masked, counterparty_name,"
        " counterparty_country from raw.ledger_transfers where transfer_id = any(%s::uuid[])"
        " order by array_position(%s::uuid[], transfer_id)",
        (ids, ids),
    ).fetchall()
    assert landed == [
        (tokenize(cpf, KEY), mask_document(cpf), "Ana Souza", "BR"),
        (tokenize(cnpj, KEY), mask_document(cnpj), None, "IR"),
        (None, None, "Sem documento", None),
    ]
    restricted = warehouse_conn.execute(
        "select document_token, document_kind, document from raw.kyc_documents_restricted"
        " where document_token = any(%s)",
        ([tokenize(cpf, KEY), tokenize(cnpj, KEY)],),
    ).fetchall()
    assert sorted(restricted) == sorted(
        [(tokenize(cpf, KEY), "cpf", cpf), (tokenize(cnpj, KEY), "cnpj", cnpj)]
    )

    # Nowhere else in raw, the audit copy included, is either document in clear.
    leaks = []
    for (table,) in warehouse_conn.execute(
        "select table_name from information_schema.tables where table_schema = 'raw'"
        " and table_type = 'BASE TABLE' and table_name <> 'kyc_documents_restricted'"
    ).fetchall():
        for (text,) in warehouse_conn.execute(
            sql.SQL("select t::text from raw.{} t").format(sql.Identifier(table))
        ).fetchall():
            plain = "".join(c for c in text if c.isalnum())
            leaks += [(table, d) for d in (cpf, cnpj) if d in plain]
    assert leaks == []

    # Loading again lands nothing twice.
    again = {
        r.raw_table: r for r in load_ledger(database_urls.ledger_dsn, database_urls.warehouse_dsn)
    }
    assert again["raw.ledger_transfers"].rows_loaded == 0


def test_a_raw_transfers_table_of_an_earlier_version_gains_the_counterparty_columns(
    database_urls: DatabaseUrls,
) -> None:
    """A warehouse loaded before migration 0006: the next load adds the columns, nullable, and
    keeps the rows it had."""
    old = replace(TRANSFERS, raw_table=f"raw.old_transfers_{uuid.uuid4().hex[:8]}")
    with psycopg.connect(database_urls.warehouse_dsn) as conn:
        conn.execute("create schema if not exists raw")
        conn.execute(
            sql.SQL(
                "create table {} (transfer_id uuid primary key, tenant_id text not null,"
                " currency text not null, kind text not null, reverses_transfer_id uuid,"
                " hold_id uuid, external_id text, description text not null, category text,"
                " occurred_at timestamptz not null, created_at timestamptz not null,"
                " _loaded_at timestamptz not null default now(), _source text not null,"
                " _batch_id uuid not null)"
            ).format(sql.SQL(old.raw_table))
        )
        conn.execute(
            sql.SQL(
                "insert into {} values (gen_random_uuid(), 't', 'BRL', 'transfer', null, null,"
                " null, 'antes', null, now(), now(), now(), 'ledger', gen_random_uuid())"
            ).format(sql.SQL(old.raw_table))
        )
        ensure_raw_table(conn, old)
        ensure_raw_table(conn, old)  # again: nothing left to add
        columns = [
            row[0]
            for row in conn.execute(
                "select column_name from information_schema.columns"
                " where table_schema = 'raw' and table_name = %s order by ordinal_position",
                (old.raw_table.split(".")[1],),
            )
        ]
        assert set(old.columns) <= set(columns)
        kept = conn.execute(
            sql.SQL(
                "select description, counterparty_document_token, counterparty_country from {}"
            ).format(sql.SQL(old.raw_table))
        ).fetchall()
        assert kept == [("antes", None, None)]
        conn.rollback()
