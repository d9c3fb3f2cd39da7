"""The onboarding register's bank accounts: registered once per account and merchant, refused for
a second merchant or a malformed id (problem+json 4xx on the API), guarded by the database, audited,
and copied to raw exactly once."""

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from core_ledger.access import Actor, cli_actor
from core_ledger.errors import Forbidden, MerchantNotFound
from core_ledger.services.audit import seal_pending
from core_ledger.services.merchants import NewEntry, NewMerchant, record_entry, register_merchant
from core_ledger.services.onboarding import (
    BankAccountOfAnotherMerchant,
    InvalidBankAccount,
    NewBankAccount,
    register_bank_accounts,
)
from fluxo.databases import DatabaseUrls
from ingestion.ledger.load import LoadResult, load_ledger
from tests.integration.conftest import ClientFactory

ACTOR = cli_actor("tests")


@pytest.fixture
def new_merchant(ledger_sessions: sessionmaker[Session]) -> Callable[[], str]:
    """Registers a merchant of this test's own and returns its id."""

    def register() -> str:
        merchant_id = f"test-{uuid.uuid4().hex[:12]}"
        register_merchant(ledger_sessions, ACTOR, NewMerchant(merchant_id, "Loja Teste"))
        return merchant_id

    return register


def _statement_account() -> str:
    return f"341/{uuid.uuid4().int % 10**7:07d}-{uuid.uuid4().int % 10}"


def _openfinance_account() -> str:
    return f"acc-{uuid.uuid4().hex[:16]}"


def _stored(ledger: psycopg.Connection, source: str, bank_account_id: str) -> list[tuple[str]]:
    return ledger.execute(
        "select merchant_id from onboarding.bank_accounts where source = %s"
        " and bank_account_id = %s",
        (source, bank_account_id),
    ).fetchall()


def _audited(ledger: psycopg.Connection, source: str, bank_account_id: str) -> list[object]:
    return [
        row[0]
        for row in ledger.execute(
            "select after from ledger.audit_pending where entity_type = 'bank_account'"
            " and entity_id = %s union all"
            " select after from ledger.audit_log where entity_type = 'bank_account'"
            " and entity_id = %s",
            (f"{source}:{bank_account_id}",) * 2,
        ).fetchall()
    ]


def test_an_account_is_registered_once_and_again_writes_nothing(
    ledger_sessions: sessionmaker[Session],
    ledger_conn: psycopg.Connection,
    new_merchant: Callable[[], str],
) -> None:
    merchant_id = new_merchant()
    statement = NewBankAccount(merchant_id, "statement_file", _statement_account())
    openfinance = NewBankAccount(merchant_id, "openfinance", _openfinance_account())

    first = register_bank_accounts(ledger_sessions, ACTOR, [statement, openfinance])
    assert [r.added for r in first] == [True, True]
    assert [r.account.merchant_id for r in first] == [merchant_id, merchant_id]
    registered_at = first[0].account.registered_at
    assert first[0].account.updated_at == registered_at

    # The same accounts again, and one of them twice in the batch: nothing is written.
    again = register_bank_accounts(ledger_sessions, ACTOR, [statement, openfinance, statement])
    assert [r.added for r in again] == [False, False, False]
    assert again[0].account.registered_at == registered_at
    for account in (statement, openfinance):
        assert _stored(ledger_conn, account.source, account.bank_account_id) == [(merchant_id,)]
        assert _audited(ledger_conn, account.source, account.bank_account_id) == [
            {
                "merchant_id": merchant_id,
                "source": account.source,
                "bank_account_id": account.bank_account_id,
            }
        ]


def test_an_account_of_another_merchant_is_refused_and_the_batch_writes_nothing(
    ledger_sessions: sessionmaker[Session],
    ledger_conn: psycopg.Connection,
    new_merchant: Callable[[], str],
) -> None:
    owner, other = new_merchant(), new_merchant()
    taken = _statement_account()
    register_bank_accounts(ledger_sessions, ACTOR, [NewBankAccount(owner, "statement_file", taken)])

    fresh = _openfinance_account()
    with pytest.raises(BankAccountOfAnotherMerchant) as refused:
        register_bank_accounts(
            ledger_sessions,
            ACTOR,
            [
                NewBankAccount(other, "openfinance", fresh),
                NewBankAccount(other, "statement_file", taken),
            ],
        )
    assert refused.value.extensions["registered_merchant_id"] == owner
    assert _stored(ledger_conn, "statement_file", taken) == [(owner,)]
    assert _stored(ledger_conn, "openfinance", fresh) == []


def test_two_merchants_racing_for_one_account_one_gets_it(
    ledger_sessions: sessionmaker[Session],
    ledger_conn: psycopg.Connection,
    new_merchant: Callable[[], str],
) -> None:
    merchants = [new_merchant(), new_merchant()]
    contested = _openfinance_account()

    def claim(merchant_id: str) -> str:
        try:
            register_bank_accounts(
                ledger_sessions, ACTOR, [NewBankAccount(merchant_id, "openfinance", contested)]
            )
        except BankAccountOfAnotherMerchant:
            return "refused"
        return "registered"

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(claim, merchants))
    assert sorted(outcomes) == ["refused", "registered"]
    winner = merchants[outcomes.index("registered")]
    assert _stored(ledger_conn, "openfinance", contested) == [(winner,)]


@pytest.mark.parametrize(
    ("source", "bank_account_id"),
    [
        ("savings", "acc-1"),
        ("openfinance", "-starts-with-hyphen"),
        ("openfinance", "acc 1"),
        ("openfinance", "a" * 101),
        ("statement_file", "0341/56789-0"),  # the bank code as the file gives it, not 3 digits
        ("statement_file", "341-56789-0"),
        ("statement_file", "341/"),
        ("statement_file", "341/567 89"),
        ("statement_file", "000/56789-0"),
        ("statement_file", "unknown/56789-0"),
    ],
)
def test_a_malformed_account_is_refused_with_the_form_expected(
    ledger_sessions: sessionmaker[Session],
    new_merchant: Callable[[], str],
    source: str,
    bank_account_id: str,
) -> None:
    with pytest.raises(InvalidBankAccount) as refused:
        register_bank_accounts(
            ledger_sessions, ACTOR, [NewBankAccount(new_merchant(), source, bank_account_id)]
        )
    assert refused.value.code == "invalid_bank_account"
    expected = {"openfinance": "accountId", "statement_file": "341/56789-0"}.get(
        source, "source must be one of"
    )
    assert expected in refused.value.detail


def test_only_an_existing_merchant_and_an_operator_register(
    ledger_sessions: sessionmaker[Session], new_merchant: Callable[[], str]
) -> None:
    # `fluxo` is the system tenant: a tenant, not a merchant.
    for tenant in ("no-such-merchant", "fluxo"):
        with pytest.raises(MerchantNotFound):
            register_bank_accounts(
                ledger_sessions, ACTOR, [NewBankAccount(tenant, "openfinance", "acc-x")]
            )
    merchant_id = new_merchant()
    for role in ("merchant", "auditor"):
        actor = Actor(principal=f"test:{role}", role=role, tenant_id=merchant_id)
        with pytest.raises(Forbidden):
            register_bank_accounts(
                ledger_sessions, actor, [NewBankAccount(merchant_id, "openfinance", "acc-x")]
            )


def test_the_database_keeps_an_account_with_its_merchant(
    ledger_sessions: sessionmaker[Session],
    ledger_conn: psycopg.Connection,
    new_merchant: Callable[[], str],
) -> None:
    owner, other = new_merchant(), new_merchant()
    account = _statement_account()
    register_bank_accounts(
        ledger_sessions, ACTOR, [NewBankAccount(owner, "statement_file", account)]
    )
    where = "where source = 'statement_file' and bank_account_id = %s"
    with pytest.raises(psycopg.errors.RestrictViolation, match="cannot move"):
        ledger_conn.execute(
            f"update onboarding.bank_accounts set merchant_id = %s {where}", (other, account)
        )
    with pytest.raises(psycopg.errors.RestrictViolation):
        ledger_conn.execute(f"delete from onboarding.bank_accounts {where}", (account,))
    # An update that keeps the owner is a new version, stamped for the warehouse copy.
    ledger_conn.execute(
        f"update onboarding.bank_accounts set updated_at = now() {where}", (account,)
    )
    with pytest.raises(psycopg.errors.CheckViolation):
        ledger_conn.execute(
            "insert into onboarding.bank_accounts (source, bank_account_id, merchant_id)"
            " values ('statement_file', '0341/1', %s)",
            (owner,),
        )
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        ledger_conn.execute(
            "insert into onboarding.bank_accounts (source, bank_account_id, merchant_id)"
            " values ('openfinance', 'acc-orphan', 'no-such-merchant')"
        )


def test_the_api_registers_idempotently_and_answers_problems(
    client_as: ClientFactory, api: TestClient, merchant: str, ledger_conn: psycopg.Connection
) -> None:
    account = _statement_account()
    path = f"/v1/merchants/{merchant}/bank-accounts/statement_file/{account}"
    created = api.put(path)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["merchant_id"], body["source"], body["bank_account_id"]) == (
        merchant,
        "statement_file",
        account,
    )
    again = api.put(path)
    assert again.status_code == 200
    assert again.json() == body
    assert _stored(ledger_conn, "statement_file", account) == [(merchant,)]

    other = api.post("/v1/merchants", json={"merchant_id": f"{merchant}-b", "name": "Outra"})
    assert other.status_code == 201
    problems = {
        "bank_account_of_another_merchant": (
            api.put(f"/v1/merchants/{merchant}-b/bank-accounts/statement_file/{account}"),
            409,
        ),
        "invalid_bank_account": (
            api.put(f"/v1/merchants/{merchant}/bank-accounts/statement_file/0341/1"),
            422,
        ),
        "invalid_bank_account (source)": (
            api.put(f"/v1/merchants/{merchant}/bank-accounts/savings/acc-1"),
            422,
        ),
        "merchant_not_found": (
            api.put("/v1/merchants/no-such-merchant/bank-accounts/openfinance/acc-1"),
            404,
        ),
        "forbidden": (
            client_as("merchant", merchant).put(
                f"/v1/merchants/{merchant}/bank-accounts/openfinance/acc-1"
            ),
            403,
        ),
    }
    for code, (response, status) in problems.items():
        assert response.status_code == status, (code, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == code.split(" ")[0]
    assert (
        problems["bank_account_of_another_merchant"][0].json()["registered_merchant_id"] == merchant
    )

    # The merchant reads its own accounts; another merchant may not.
    openfinance = _openfinance_account()
    assert api.put(f"/v1/merchants/{merchant}/bank-accounts/openfinance/{openfinance}").is_success
    listed = client_as("merchant", merchant).get(f"/v1/merchants/{merchant}/bank-accounts")
    assert listed.status_code == 200
    assert [(a["source"], a["bank_account_id"]) for a in listed.json()["items"]] == [
        ("openfinance", openfinance),
        ("statement_file", account),
    ]
    stranger = client_as("merchant", f"{merchant}-b").get(f"/v1/merchants/{merchant}/bank-accounts")
    assert stranger.status_code == 403


def test_the_register_is_copied_to_raw_once_with_its_audit_record(
    ledger_sessions: sessionmaker[Session],
    warehouse_conn: psycopg.Connection,
    database_urls: DatabaseUrls,
    new_merchant: Callable[[], str],
) -> None:
    def load() -> dict[str, LoadResult]:
        results = load_ledger(
            database_urls.ledger_dsn, database_urls.warehouse_dsn, token_key="test-key"
        )
        return {result.raw_table: result for result in results}

    merchant_id = new_merchant()
    account = _statement_account()
    register_bank_accounts(
        ledger_sessions, ACTOR, [NewBankAccount(merchant_id, "statement_file", account)]
    )
    record_entry(
        ledger_sessions,
        ACTOR,
        merchant_id,
        NewEntry("credit", 100_00, datetime.now(UTC), "venda", "vendas_pix"),
    )
    seal_pending(ledger_sessions)
    first = load()
    assert first["raw.onboarding_bank_accounts"].rows_loaded >= 1
    raw = (
        "select merchant_id, registered_at = updated_at, _loaded_at"
        " from raw.onboarding_bank_accounts where bank_account_id = %s"
    )
    rows = warehouse_conn.execute(raw, (account,)).fetchall()
    assert [row[:2] for row in rows] == [(merchant_id, True)]
    # Landed before the entries of the same load: reconciliation compares the two stamps.
    entry_stamps = warehouse_conn.execute(
        "select _loaded_at from raw.ledger_entries where merchant_id = %s", (merchant_id,)
    ).fetchall()
    assert len(entry_stamps) == 1 and rows[0][2] < entry_stamps[0][0]

    register_bank_accounts(
        ledger_sessions, ACTOR, [NewBankAccount(merchant_id, "statement_file", account)]
    )
    assert load()["raw.onboarding_bank_accounts"].rows_loaded == 0
    assert len(warehouse_conn.execute(raw, (account,)).fetchall()) == 1
    audit = warehouse_conn.execute(
        "select action, after ->> 'merchant_id' from raw.ledger_audit_log"
        " where entity_type = 'bank_account' and entity_id = %s",
        (f"statement_file:{account}",),
    ).fetchall()
    assert audit == [("bank_account.registered", merchant_id)]
