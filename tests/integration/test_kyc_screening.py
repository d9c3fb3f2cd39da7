"""The KYC assets check exactly the onboarding register's customers due for a check: every one the
first time, then only the new, the changed and the stale; a run with none due loads nothing and
says so; clear documents never reach the run's config, events or metadata."""

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import dagster as dg
import psycopg
import pytest
from psycopg import sql
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

from core_ledger.access import cli_actor
from core_ledger.services.onboarding import CustomerProfile, register_customers
from fluxo.databases import DatabaseUrls
from fluxo.demo_onboarding import demo_customer_profiles
from fluxo.migrations import migrate
from ingestion.documents import (
    TOKEN_KEY_ENV,
    DocumentKind,
    check_digits_cpf,
    normalize_document,
    tokenize,
)
from ingestion.kyc.client import DEFAULT_RESCREEN_AFTER_DAYS
from ingestion.kyc.demo import demo_subjects
from ingestion.kyc.simulator import KycSimulator
from orchestration.defs.kyc import KycSource
from orchestration.defs.kyc.assets import raw_kyc_cnpj_results, raw_kyc_cpf_results
from orchestration.defs.resources import FluxoDatabases
from tests.conftest import create_database, drop_database

KEY = "test-document-token-key-screening-0123456789"
KINDS: tuple[DocumentKind, ...] = ("cnpj", "cpf")
PROFILES = {profile.customer_id: profile for profile in demo_customer_profiles()}
STATUS_OF_ANSWER = {"found": 200, "drifted": 200, "not_found": 404, "provider_rejects": 400}


@pytest.fixture
def urls(
    admin_url: str, database_urls: DatabaseUrls, monkeypatch: pytest.MonkeyPatch
) -> Iterator[DatabaseUrls]:
    """A ledger and a warehouse of this test's own: the session's register keeps every customer
    other tests add (a customer is never removed), and these tests count who is checked."""
    own = DatabaseUrls(
        ledger=create_database(admin_url, "test_kyc_ledger"),
        warehouse=create_database(admin_url, "test_kyc_warehouse"),
    )
    migrate(own)
    monkeypatch.setenv("FLUXO_DATABASE_URL", own.ledger)
    monkeypatch.setenv("FLUXO_WAREHOUSE_URL", own.warehouse)
    monkeypatch.setenv(TOKEN_KEY_ENV, KEY)
    yield own
    drop_database(admin_url, own.ledger)
    drop_database(admin_url, own.warehouse)


@pytest.fixture
def sessions(urls: DatabaseUrls) -> Iterator[sessionmaker[Session]]:
    engine = create_engine(urls.ledger)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def register(sessions: sessionmaker[Session], *profiles: CustomerProfile) -> None:
    register_customers(sessions, cli_actor("tests"), list(profiles))


def run(kyc_url: str, instance: dg.DagsterInstance | None = None) -> dict[DocumentKind, Any]:
    """Materialize the two lookup assets; returns each one's metadata, by kind."""
    result = dg.materialize(
        [raw_kyc_cnpj_results, raw_kyc_cpf_results],
        resources={
            "kyc": KycSource(url=kyc_url, backoff_initial_seconds=0.01),
            "databases": FluxoDatabases(),
        },
        instance=instance,
    )
    assert result.success
    return {
        kind: {
            name: value.value
            for name, value in result.asset_materializations_for_node(f"raw__kyc_{kind}_results")[
                0
            ].metadata.items()
        }
        for kind in KINDS
    }


def answers(urls: DatabaseUrls, kind: DocumentKind) -> dict[str, int]:
    """Rows per document token in raw.kyc_<kind>_results."""
    with psycopg.connect(urls.warehouse_dsn) as conn:
        rows = conn.execute(
            sql.SQL("select document_token, count(*) from raw.{} group by 1").format(
                sql.Identifier(f"kyc_{kind}_results")
            )
        ).fetchall()
    return {row[0]: row[1] for row in rows}


def lookups(kyc_simulator: KycSimulator) -> dict[tuple[DocumentKind, str], int]:
    return dict(kyc_simulator.lookups)


def new_lookups(
    before: dict[tuple[DocumentKind, str], int], kyc_simulator: KycSimulator
) -> set[tuple[DocumentKind, str]]:
    return {key for key, count in kyc_simulator.lookups.items() if count > before.get(key, 0)}


def key_of(profile: CustomerProfile) -> tuple[DocumentKind, str]:
    return ("cnpj" if profile.person_type == "PJ" else "cpf", normalize_document(profile.document))


def days_pass(urls: DatabaseUrls, days: int, *only: CustomerProfile) -> None:
    """As if the checks and register changes so far (of `only` these customers, if given) had
    happened `days` earlier."""
    ids = [p.customer_id for p in only]
    tokens = [tokenize(p.document, KEY) for p in only]
    with psycopg.connect(urls.ledger_dsn) as ledger:
        ledger.execute(
            "update onboarding.customers"
            " set onboarded_at = onboarded_at - make_interval(days => %(days)s),"
            " updated_at = updated_at - make_interval(days => %(days)s)"
            " where cardinality(%(ids)s::text[]) = 0 or customer_id = any(%(ids)s)",
            {"days": days, "ids": ids},
        )
    with psycopg.connect(urls.warehouse_dsn) as warehouse:
        for kind in KINDS:
            warehouse.execute(
                sql.SQL(
                    "update raw.{} set fetched_date = fetched_date - %(days)s,"
                    " fetched_at = fetched_at - make_interval(days => %(days)s)"
                    " where cardinality(%(tokens)s::text[]) = 0 or document_token = any(%(tokens)s)"
                ).format(sql.Identifier(f"kyc_{kind}_results")),
                {"days": days, "tokens": tokens},
            )


def test_the_first_run_checks_every_customer_of_the_register_once(
    urls: DatabaseUrls,
    sessions: sessionmaker[Session],
    kyc_url: str,
    kyc_simulator: KycSimulator,
) -> None:
    register(sessions, *PROFILES.values())

    metadata = run(kyc_url)

    # Every customer, each once, by the lookup of its kind: the simulator's awkward cases (found,
    # drifted, 404, refused) are all customers of the demo register.
    assert kyc_simulator.lookups == {key_of(p): 1 for p in PROFILES.values()}
    subjects = demo_subjects()
    assert {s.subject_id for s in subjects} == set(PROFILES)
    assert {s.answer for s in subjects} == set(STATUS_OF_ANSWER)
    for kind, person_type in (("cnpj", "PJ"), ("cpf", "PF")):
        customers = [p for p in PROFILES.values() if p.person_type == person_type]
        assert answers(urls, kind) == {tokenize(p.document, KEY): 1 for p in customers}
        expected = {
            "customers_in_register": len(customers),
            "customers_due": len(customers),
            "due_new": len(customers),
            "due_changed": 0,
            "due_stale": 0,
            "rows_loaded": len(customers),
            "found": sum(s.answer in ("found", "drifted") for s in subjects if s.kind == kind),
            "not_found": sum(s.answer == "not_found" for s in subjects if s.kind == kind),
            "rejected_by_provider": sum(
                s.answer == "provider_rejects" for s in subjects if s.kind == kind
            ),
            "invalid_documents": 0,
            "rescreen_after_days": DEFAULT_RESCREEN_AFTER_DAYS,
        }
        assert {name: metadata[kind][name] for name in expected} == expected


def test_a_second_run_checks_none_and_says_so(
    urls: DatabaseUrls,
    sessions: sessionmaker[Session],
    kyc_url: str,
    kyc_simulator: KycSimulator,
) -> None:
    register(sessions, *PROFILES.values())
    run(kyc_url)
    rows_before = {kind: answers(urls, kind) for kind in KINDS}
    before = lookups(kyc_simulator)

    metadata = run(kyc_url)

    assert kyc_simulator.lookups == before
    assert {kind: answers(urls, kind) for kind in KINDS} == rows_before
    for kind in KINDS:
        assert metadata[kind]["customers_due"] == 0
        assert (metadata[kind]["rows_loaded"], metadata[kind]["requests"]) == (0, 0)
        assert metadata[kind]["summary"].startswith("nothing due")


def test_an_empty_register_loads_nothing_but_leaves_the_tables_for_dbt(
    urls: DatabaseUrls, kyc_url: str, kyc_simulator: KycSimulator
) -> None:
    metadata = run(kyc_url)

    assert kyc_simulator.lookups == {}
    for kind in KINDS:
        assert answers(urls, kind) == {}
        assert (metadata[kind]["customers_in_register"], metadata[kind]["rows_loaded"]) == (0, 0)
    assert metadata["cnpj"]["summary"] == "nothing due: the onboarding register has no PJ customer"


def test_only_the_new_the_changed_and_the_stale_are_checked(
    urls: DatabaseUrls,
    sessions: sessionmaker[Session],
    kyc_url: str,
    kyc_simulator: KycSimulator,
) -> None:
    register(sessions, *PROFILES.values())
    run(kyc_url)
    days_pass(urls, 5)
    # New: a person onboarded since (the provider does not know her: a 404 is a check too).
    newcomer = replace(
        PROFILES["cliente-ana"],
        customer_id="cliente-fabiana",
        document=check_digits_cpf("123987456"),
        legal_name="Fabiana Nunes",
        contact_email="fabiana@email.com.br",
        contact_phone=None,
    )
    # Changed: Ana declared a new income.
    ana = replace(PROFILES["cliente-ana"], declared_monthly_revenue_minor=9_900_00)
    register(sessions, newcomer, ana)
    # Stale: checked 30 days ago, one a company, one a person; 29 days is not yet stale.
    older = DEFAULT_RESCREEN_AFTER_DAYS - 5
    days_pass(urls, older, PROFILES["padaria-pao-dourado"], PROFILES["cliente-bruno"])
    days_pass(urls, older - 1, PROFILES["cliente-davi"])
    before = lookups(kyc_simulator)

    metadata = run(kyc_url)

    assert new_lookups(before, kyc_simulator) == {
        key_of(newcomer),
        key_of(ana),
        key_of(PROFILES["cliente-bruno"]),
        key_of(PROFILES["padaria-pao-dourado"]),
    }
    due = ("customers_due", "due_new", "due_changed", "due_stale", "rows_loaded")
    assert {name: metadata["cpf"][name] for name in due} == {
        "customers_due": 3,
        "due_new": 1,
        "due_changed": 1,
        "due_stale": 1,
        "rows_loaded": 3,
    }
    assert {name: metadata["cnpj"][name] for name in due} == {
        "customers_due": 1,
        "due_new": 0,
        "due_changed": 0,
        "due_stale": 1,
        "rows_loaded": 1,
    }
    # A new answer row for each (the history of the earlier answers stays).
    cpf_rows = answers(urls, "cpf")
    assert cpf_rows[tokenize(newcomer.document, KEY)] == 1
    assert cpf_rows[tokenize(ana.document, KEY)] == 2
    assert cpf_rows[tokenize(PROFILES["cliente-davi"].document, KEY)] == 1

    before = lookups(kyc_simulator)
    again = run(kyc_url)
    assert new_lookups(before, kyc_simulator) == set()
    assert again["cpf"]["customers_due"] == again["cnpj"]["customers_due"] == 0


def test_a_customer_changed_after_todays_check_is_checked_the_next_day(
    urls: DatabaseUrls,
    sessions: sessionmaker[Session],
    kyc_url: str,
    kyc_simulator: KycSimulator,
) -> None:
    register(sessions, *PROFILES.values())
    run(kyc_url)
    ana = replace(PROFILES["cliente-ana"], contact_phone="(21) 97000-1234")
    register(sessions, ana)
    before = lookups(kyc_simulator)

    today = run(kyc_url)

    # Due, but answered today already: one answer per document and day.
    assert (today["cpf"]["customers_due"], today["cpf"]["due_changed"]) == (1, 1)
    assert today["cpf"]["already_loaded_today"] == 1
    assert new_lookups(before, kyc_simulator) == set()

    days_pass(urls, 1)
    tomorrow = run(kyc_url)
    assert new_lookups(before, kyc_simulator) == {key_of(ana)}
    assert (tomorrow["cpf"]["due_changed"], tomorrow["cpf"]["rows_loaded"]) == (1, 1)


def test_the_rescreening_period_is_a_setting(
    urls: DatabaseUrls,
    sessions: sessionmaker[Session],
    kyc_url: str,
    kyc_simulator: KycSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    register(sessions, *PROFILES.values())
    run(kyc_url)
    days_pass(urls, 7)
    monkeypatch.setenv("FLUXO_KYC_RESCREEN_AFTER_DAYS", "7")

    metadata = run(kyc_url)

    assert metadata["cpf"]["due_stale"] == metadata["cpf"]["customers_in_register"]
    assert metadata["cpf"]["rescreen_after_days"] == 7


def test_clear_documents_never_reach_the_runs_config_events_or_metadata(
    urls: DatabaseUrls,
    sessions: sessionmaker[Session],
    kyc_url: str,
) -> None:
    register(sessions, *PROFILES.values())
    instance = dg.DagsterInstance.ephemeral()
    run(kyc_url, instance)
    run(kyc_url, instance)  # a run with nothing due says so in its own words

    clear = {normalize_document(p.document) for p in PROFILES.values()}
    runs = instance.get_runs()
    assert len(runs) == 2
    texts = [dg.serialize_value(r.run_config) for r in runs] + [
        dg.serialize_value(event) for r in runs for event in instance.all_logs(r.run_id)
    ]
    leaks = [
        document
        for text in texts
        for document in clear
        if document in "".join(c for c in text.upper() if c.isalnum())
    ]
    assert leaks == []
    # What the events do carry: the runs' materializations with their metadata.
    assert any("customers_due" in text for text in texts)
