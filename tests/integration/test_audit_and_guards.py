"""History is append-only in the database itself, transfers must balance at commit, balance
policies hold even against direct SQL, and the audit chain seals every record once and reports
the first altered one."""

import threading
import uuid

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.types.json import Jsonb
from sqlalchemy.orm import Session, sessionmaker

from core_ledger.services import audit
from tests.e2e.cli import clean_environment, run_fluxo


@pytest.fixture
def entry(api: TestClient, merchant: str) -> str:
    response = api.post(
        f"/v1/merchants/{merchant}/entries",
        json={
            "type": "credit",
            "amount": "10.00",
            "occurred_at": "2026-06-01T10:00:00Z",
            "description": "venda",
            "category": "vendas",
        },
    )
    assert response.status_code == 201
    return str(response.json()["entry_id"])


@pytest.mark.parametrize(
    "statement",
    [
        "update ledger.postings set amount_minor = 1 where transfer_id = %s",
        "delete from ledger.postings where transfer_id = %s",
        "update ledger.transfers set description = 'x' where transfer_id = %s",
        "delete from ledger.transfers where transfer_id = %s",
        "truncate ledger.postings cascade",
    ],
)
def test_history_cannot_be_edited(
    ledger_conn: psycopg.Connection, entry: str, statement: str
) -> None:
    with pytest.raises(psycopg.errors.RestrictViolation, match="append-only"):
        ledger_conn.execute(statement, (entry,) if "%s" in statement else None)


def test_an_unbalanced_transfer_cannot_commit(
    database_urls: object, ledger_conn: psycopg.Connection, merchant: str
) -> None:
    transfer_id = uuid.uuid4()

    def one_sided_transfer() -> None:
        with ledger_conn.transaction():
            ledger_conn.execute(
                "insert into ledger.transfers (transfer_id, tenant_id, currency, description,"
                " occurred_at) values (%s, %s, 'BRL', 'x', now())",
                (transfer_id, merchant),
            )
            ledger_conn.execute(
                "insert into ledger.postings (transfer_id, account_id, direction, amount_minor,"
                " balance_after_minor, account_version, occurred_at)"
                " select %s, account_id, 'credit', 500, 0, 999, now() from ledger.accounts"
                " where tenant_id = %s and code = 'cash'",
                (transfer_id, merchant),
            )

    with pytest.raises(psycopg.errors.CheckViolation, match="unbalanced"):
        one_sided_transfer()
    assert ledger_conn.execute(
        "select count(*) from ledger.transfers where transfer_id = %s", (transfer_id,)
    ).fetchone() == (0,)


def test_balance_policy_holds_against_direct_sql(
    ledger_conn: psycopg.Connection, merchant: str
) -> None:
    with pytest.raises(psycopg.errors.CheckViolation, match="within_balance_policy"):
        ledger_conn.execute(
            "update ledger.accounts set posted_debits_minor = posted_credits_minor + 1"
            " where tenant_id = %s and code = 'cash'",
            (merchant,),
        )


def test_audit_chain_reports_the_first_altered_or_removed_record(
    ledger_sessions: sessionmaker[Session],
    ledger_conn: psycopg.Connection,
    entry: str,
    fluxo_home: object,
) -> None:
    assert audit.verify(ledger_sessions).pending_records >= 1  # the entry, not sealed yet
    assert audit.seal_pending(ledger_sessions) >= 1
    intact = audit.verify(ledger_sessions)
    assert intact.intact, intact.problem
    assert intact.pending_records == 0
    assert intact.records_checked == intact.last_seq >= 3
    seq = ledger_conn.execute(
        "select seq from ledger.audit_log where entity_id = %s", (entry,)
    ).fetchone()[0]
    # Someone with superuser rights bypasses the append-only trigger and edits history.
    _tamper(
        ledger_conn,
        "update ledger.audit_log set after = jsonb_set(after, '{currency}',"
        " '\"USD\"') where seq = %s",
        seq,
    )
    altered = audit.verify(ledger_sessions)
    assert altered.first_broken_seq == seq
    assert "altered" in (altered.problem or "")
    cli = run_fluxo("audit", "verify", env=clean_environment(**_env_of_this_session()))
    assert cli.returncode == 1
    assert f"broken at record {seq}" in cli.stdout + cli.stderr

    _tamper(
        ledger_conn,
        "update ledger.audit_log set after = jsonb_set(after, '{currency}',"
        " '\"BRL\"') where seq = %s",
        seq,
    )
    assert audit.verify(ledger_sessions).intact  # restored exactly: intact again

    last = ledger_conn.execute("select max(seq) from ledger.audit_log").fetchone()[0]
    for removed_seq, expected in ((last, "removed"), (seq - 1, "missing")):
        saved = ledger_conn.execute(
            "select * from ledger.audit_log where seq = %s", (removed_seq,)
        ).fetchone()
        _tamper(ledger_conn, "delete from ledger.audit_log where seq = %s", removed_seq)
        result = audit.verify(ledger_sessions)
        assert result.first_broken_seq == removed_seq
        assert expected in (result.problem or "")
        # Put it back, so the chain is whole again for the tests that follow.
        placeholders = ", ".join(["%s"] * len(saved))
        values = [Jsonb(v) if isinstance(v, dict) else v for v in saved]
        _tamper(ledger_conn, f"insert into ledger.audit_log values ({placeholders})", *values)
    assert audit.verify(ledger_sessions).intact


def test_pending_audit_records_cannot_be_edited(
    ledger_conn: psycopg.Connection, entry: str
) -> None:
    with pytest.raises(psycopg.errors.RestrictViolation, match="append-only"):
        ledger_conn.execute("update ledger.audit_pending set principal = 'someone else'")


def test_concurrent_sealers_chain_every_record_exactly_once(
    api: TestClient, ledger_sessions: sessionmaker[Session], ledger_conn: psycopg.Connection
) -> None:
    """Writers keep recording while two sealers race: no record is sealed twice or left out,
    and the chain stays one unbroken line."""
    tenant = f"audit-{uuid.uuid4().hex[:8]}"
    assert api.post("/v1/tenants", json={"tenant_id": tenant, "name": "Audit"}).status_code == 201
    writing = threading.Event()
    writing.set()

    def seal_while_writing() -> None:
        while writing.is_set():
            audit.seal_pending(ledger_sessions, batch_size=7)

    sealers = [threading.Thread(target=seal_while_writing) for _ in range(2)]
    for sealer in sealers:
        sealer.start()
    codes = [f"acct-{n}" for n in range(40)]
    try:
        for code in codes:
            response = api.post(
                f"/v1/tenants/{tenant}/accounts",
                json={
                    "code": code,
                    "name": code,
                    "type": "asset",
                    "balance_policy": "unrestricted",
                },
            )
            assert response.status_code == 201
    finally:
        writing.clear()
        for sealer in sealers:
            sealer.join()
    audit.seal_pending(ledger_sessions)

    result = audit.verify(ledger_sessions)
    assert result.intact, result.problem
    assert result.pending_records == 0
    sealed = ledger_conn.execute(
        "select after ->> 'code', count(*) from ledger.audit_log"
        " where action = 'account.opened' and after ->> 'tenant_id' = %s"
        " and after ->> 'code' like 'acct-%%' group by 1",
        (tenant,),
    ).fetchall()
    assert dict(sealed) == {code: 1 for code in codes}


def _tamper(conn: psycopg.Connection, statement: str, *params: object) -> None:
    """Write to the audit log as a superuser would: with triggers off."""
    with conn.transaction():
        conn.execute("set local session_replication_role = replica")
        conn.execute(statement, params)


def _env_of_this_session() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k.startswith("FLUXO_")}
