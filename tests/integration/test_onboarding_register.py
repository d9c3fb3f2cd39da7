"""The onboarding register and its copy to raw: tokenized, masked, exactly once, versioned; and the
audit chain's copy, by seq, with documents and contacts masked."""

import random
import uuid
from collections.abc import Callable
from dataclasses import replace

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.orm import Session, sessionmaker

from core_ledger.access import cli_actor
from core_ledger.services.audit import seal_pending
from core_ledger.services.onboarding import (
    CustomerProfile,
    InvalidCustomer,
    register_customers,
)
from fluxo.databases import DatabaseUrls
from ingestion.contacts import normalize_phone
from ingestion.documents import (
    TOKEN_KEY_ENV,
    check_digits_cnpj,
    check_digits_cpf,
    keyed_hash,
    mask_document,
    tokenize,
)
from ingestion.ledger.load import LoadResult, load_ledger

KEY = "test-document-token-key-onboarding-0123456789"
ACTOR = cli_actor("tests")


@pytest.fixture(autouse=True)
def token_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_KEY_ENV, KEY)


LoadAll = Callable[[], list[LoadResult]]


@pytest.fixture
def load(database_urls: DatabaseUrls) -> LoadAll:
    return lambda: load_ledger(database_urls.ledger_dsn, database_urls.warehouse_dsn)


def _company(customer_id: str) -> CustomerProfile:
    root = f"{random.randrange(10**8):08d}"
    return CustomerProfile(
        customer_id=customer_id,
        person_type="PJ",
        # Masked as people type it: the register stores it normalised.
        document=_punctuated_cnpj(check_digits_cnpj(root + "0001")),
        legal_name="Mercearia Teste Ltda",
        declared_cnae="4712100",
        declared_monthly_revenue_minor=90_000_00,
        expected_payment_mix="mixed",
        contact_email=f"Financeiro@{customer_id}.com.br ",
        contact_phone="(11) 3333-4444",
    )


def _person(customer_id: str, phone: str) -> CustomerProfile:
    return CustomerProfile(
        customer_id=customer_id,
        person_type="PF",
        document=check_digits_cpf(f"{random.randrange(10**9):09d}"),
        legal_name="Pessoa Teste",
        declared_monthly_revenue_minor=5_000_00,
        expected_payment_mix="transfer",
        contact_email=f"{customer_id}@email.com.br",
        contact_phone=phone,
    )


def _punctuated_cnpj(cnpj: str) -> str:
    return f"{cnpj[:2]}.{cnpj[2:5]}.{cnpj[5:8]}/{cnpj[8:12]}-{cnpj[12:]}"


def _digits(text: str) -> str:
    return "".join(c for c in text.upper() if c.isalnum())


def _customer_ids() -> tuple[str, str]:
    suffix = uuid.uuid4().hex[:10]
    return f"test-pj-{suffix}", f"test-pf-{suffix}"


def _raw_versions(warehouse: psycopg.Connection, customer_id: str) -> list[tuple[object, ...]]:
    return warehouse.execute(
        "select document_token, document_masked, contact_email_token, contact_phone_token,"
        " declared_monthly_revenue_minor from raw.onboarding_customers where customer_id = %s"
        " order by updated_at",
        (customer_id,),
    ).fetchall()


def test_the_register_copy_is_tokenized_once_and_versioned(
    ledger_sessions: sessionmaker[Session],
    warehouse_conn: psycopg.Connection,
    load: LoadAll,
) -> None:
    company_id, person_id = _customer_ids()
    company = _company(company_id)
    # The person typed the company's phone another way: one token for both.
    person = _person(person_id, "+55 11 3333-4444")
    added = register_customers(ledger_sessions, ACTOR, [company, person])
    assert (added.added, added.updated, added.unchanged) == (2, 0, 0)

    first = {r.raw_table: r for r in load()}
    assert first["raw.onboarding_customers"].rows_loaded >= 2
    cnpj = _digits(company.document)
    assert _raw_versions(warehouse_conn, company_id) == [
        (
            tokenize(cnpj, KEY),
            mask_document(cnpj),
            keyed_hash(f"financeiro@{company_id}.com.br", KEY),
            keyed_hash(normalize_phone(company.contact_phone or ""), KEY),
            90_000_00,
        )
    ]
    person_row = _raw_versions(warehouse_conn, person_id)[0]
    assert person_row[3] == _raw_versions(warehouse_conn, company_id)[0][3]
    restricted = warehouse_conn.execute(
        "select document_token, document_kind, document from raw.kyc_documents_restricted"
        " where document_token = any(%s)",
        ([tokenize(cnpj, KEY), tokenize(person.document, KEY)],),
    ).fetchall()
    assert sorted(restricted) == sorted(
        [
            (tokenize(cnpj, KEY), "cnpj", cnpj),
            (tokenize(person.document, KEY), "cpf", person.document),
        ]
    )

    # Nothing changed: nothing is written, in the ledger or in raw.
    unchanged = register_customers(ledger_sessions, ACTOR, [company, person])
    assert (unchanged.added, unchanged.updated, unchanged.unchanged) == (0, 0, 2)
    again = {r.raw_table: r for r in load()}
    assert again["raw.onboarding_customers"].rows_loaded == 0
    assert len(_raw_versions(warehouse_conn, company_id)) == 1

    # A change is a new version; the first stays.
    raised = replace(company, declared_monthly_revenue_minor=120_000_00)
    assert register_customers(ledger_sessions, ACTOR, [raised]).updated == 1
    after_change = {r.raw_table: r for r in load()}
    assert after_change["raw.onboarding_customers"].rows_loaded == 1
    assert [row[4] for row in _raw_versions(warehouse_conn, company_id)] == [90_000_00, 120_000_00]


def test_clear_documents_and_contacts_stay_out_of_raw(
    ledger_sessions: sessionmaker[Session],
    warehouse_conn: psycopg.Connection,
    load: LoadAll,
) -> None:
    company_id, person_id = _customer_ids()
    company = _company(company_id)
    person = _person(person_id, "(21) 98888-7777")
    register_customers(ledger_sessions, ACTOR, [company, person])
    register_customers(
        ledger_sessions, ACTOR, [replace(person, contact_email=f"novo-{person_id}@email.com.br")]
    )
    seal_pending(ledger_sessions)
    load()

    clear = {_digits(company.document), person.document}
    # Masked e-mails keep their domain ('f***@...'), never the whole address.
    contacts = {
        f"financeiro@{company_id}.com.br",
        f"{person_id}@email.com.br",
        "988887777",
        "33334444",
    }
    leaks = []
    tables = warehouse_conn.execute(
        "select table_name from information_schema.tables where table_schema = 'raw'"
        " and table_type = 'BASE TABLE'"
    ).fetchall()
    for (table,) in tables:
        for (text,) in warehouse_conn.execute(
            sql.SQL("select t::text from raw.{} t").format(sql.Identifier(table))
        ).fetchall():
            plain = _digits(text)
            found = [d for d in clear if d in plain] + [
                c for c in contacts if c in text.lower() or c in plain
            ]
            if found and table != "kyc_documents_restricted":
                leaks.append((table, found))
    assert leaks == []

    # The audit records arrived, with the documents masked where they were.
    audit = warehouse_conn.execute(
        "select action, after ->> 'document', after ->> 'contact_email' from raw.ledger_audit_log"
        " where entity_type = 'customer' and entity_id = %s order by seq",
        (person_id,),
    ).fetchall()
    assert [row[0] for row in audit] == ["customer.onboarded", "customer.updated"]
    assert {row[1] for row in audit} == {mask_document(person.document)}
    assert audit[1][2] == "n***@email.com.br"


def test_the_audit_copy_follows_the_chain_by_seq(
    ledger_sessions: sessionmaker[Session],
    warehouse_conn: psycopg.Connection,
    ledger_conn: psycopg.Connection,
    load: LoadAll,
) -> None:
    company_id, _ = _customer_ids()
    register_customers(ledger_sessions, ACTOR, [_company(company_id)])
    seal_pending(ledger_sessions)
    first = {r.raw_table: r for r in load()}["raw.ledger_audit_log"]
    head = ledger_conn.execute("select seq from ledger.audit_chain_head").fetchone()
    assert head is not None and first.watermark_to == str(head[0])

    again = {r.raw_table: r for r in load()}["raw.ledger_audit_log"]
    assert (again.rows_read, again.rows_loaded, again.watermark_to) == (0, 0, str(head[0]))

    # Recorded but not sealed yet: not in the chain, so not copied until it is.
    register_customers(
        ledger_sessions, ACTOR, [replace(_company(company_id), legal_name="Outro Nome Ltda")]
    )
    assert {r.raw_table: r for r in load()}["raw.ledger_audit_log"].rows_read == 0
    seal_pending(ledger_sessions)
    sealed = {r.raw_table: r for r in load()}["raw.ledger_audit_log"]
    assert sealed.rows_loaded == 1 and sealed.watermark_to == str(head[0] + 1)
    chain = "select seq, prev_hash, hash from {} order by seq"
    copied = warehouse_conn.execute(chain.format("raw.ledger_audit_log")).fetchall()
    sealed_in_ledger = ledger_conn.execute(chain.format("ledger.audit_log")).fetchall()
    assert copied == sealed_in_ledger
    assert [row[0] for row in copied] == list(range(1, head[0] + 2))


def test_the_register_refuses_what_is_not_a_customer(
    ledger_sessions: sessionmaker[Session],
) -> None:
    company_id, person_id = _customer_ids()
    bad = [
        replace(_company(company_id), document="11.222.333/0001-82"),
        replace(_person(person_id, "11999990000"), document="111.111.111-11"),
        replace(_person(person_id, "11999990000"), declared_cnae="4712100"),
        replace(_company(company_id), expected_payment_mix="crypto"),
    ]
    for profile in bad:
        with pytest.raises(InvalidCustomer) as error:
            register_customers(ledger_sessions, ACTOR, [profile])
        assert _digits(profile.document) not in _digits(str(error.value))
