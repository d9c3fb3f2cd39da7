"""KYC answers land in raw exactly, tokenized: faults, 404/400, re-runs, quarantine. (Which
documents the assets look up: test_kyc_screening.py.)"""

from typing import Any

import psycopg
import pytest
from psycopg import sql

from fluxo.databases import DatabaseUrls
from ingestion.documents import (
    TOKEN_KEY_ENV,
    Document,
    DocumentKind,
    mask_document,
    tokenize,
)
from ingestion.kyc.client import KycClient, KycSettings, SourceUnavailable
from ingestion.kyc.demo import demo_subjects
from ingestion.kyc.load import KycLoadResult, ensure_kyc_tables, load_kyc_results
from ingestion.kyc.simulator import KycSimulator, SimulatorFaults
from ingestion.warehouse import TooManyRejected

KEY = "test-document-token-key-0123456789abcdef"
SUBJECTS = demo_subjects()
EXPECTED_RESULT = {"found": 200, "drifted": 200, "not_found": 404, "provider_rejects": 400}
# Typed-in documents that fail validation: a load must quarantine them, never send them out. The
# register refuses them, so no demo customer has one.
INVALID_DOCUMENTS: dict[DocumentKind, tuple[str, ...]] = {
    "cnpj": ("11.222.333/0001-82",),  # wrong second check digit
    "cpf": ("111.111.111-11",),  # repeated digits: check digits compute, the CPF does not exist
}


def documents_of(kind: DocumentKind) -> list[str]:
    """The demo subjects' documents of `kind`, and the invalid ones."""
    return [s.document for s in SUBJECTS if s.kind == kind] + list(INVALID_DOCUMENTS[kind])


@pytest.fixture
def warehouse(
    warehouse_conn: psycopg.Connection, monkeypatch: pytest.MonkeyPatch
) -> psycopg.Connection:
    """The warehouse with nothing of this source loaded: these tests count what each load adds."""
    monkeypatch.setenv(TOKEN_KEY_ENV, KEY)
    with warehouse_conn.transaction():
        ensure_kyc_tables(warehouse_conn)
        warehouse_conn.execute(
            "truncate raw.kyc_cnpj_results, raw.kyc_cpf_results, raw.kyc_documents_restricted"
        )
        warehouse_conn.execute("delete from raw._quarantine where source like 'kyc_%'")
    return warehouse_conn


@pytest.fixture
def dsn(database_urls: DatabaseUrls) -> str:
    return database_urls.warehouse_dsn


def client(kyc_url: str, **settings: Any) -> KycClient:
    # Short waits: a Retry-After of 1 s is capped to 0.05 s unless a test asks otherwise.
    options: dict[str, Any] = {
        "url": kyc_url,
        "backoff_initial_seconds": 0.01,
        "backoff_max_seconds": 0.05,
        "max_retry_after_seconds": 0.05,
        **settings,
    }
    return KycClient(KycSettings(**options))


def load(kyc_url: str, dsn: str, kind: DocumentKind, **options: Any) -> KycLoadResult:
    documents = options.pop("documents", None) or documents_of(kind)
    settings = options.pop("settings", {})
    with client(kyc_url, **settings) as kyc:
        return load_kyc_results(kyc, dsn, documents, kind, token_key=KEY, **options)


def table_rows(conn: psycopg.Connection, kind: DocumentKind) -> dict[str, tuple[Any, ...]]:
    rows = conn.execute(
        sql.SQL("select document_token, http_status, result, situacao from raw.{}").format(
            sql.Identifier(f"kyc_{kind}_results")
        )
    ).fetchall()
    return {row[0]: tuple(row[1:]) for row in rows}


def expected_rows(kind: DocumentKind) -> dict[str, tuple[Any, ...]]:
    by_status = {200: "found", 404: "not_found", 400: "rejected_by_provider"}
    expected = {}
    for subject in SUBJECTS:
        if subject.kind == kind:
            status = EXPECTED_RESULT[subject.answer]
            situacao = subject.situacao if status == 200 else None
            expected[tokenize(subject.document, KEY)] = (status, by_status[status], situacao)
    return expected


def quarantined(conn: psycopg.Connection, kind: DocumentKind) -> list[tuple[str, str]]:
    rows = conn.execute(
        "select record_key, reason from raw._quarantine where source = %s order by record_key",
        (f"kyc_{kind}",),
    ).fetchall()
    return [(row[0], row[1]) for row in rows]


@pytest.mark.parametrize("kind", ["cnpj", "cpf"])
def test_every_answer_lands_once_with_invalid_documents_quarantined(
    warehouse: psycopg.Connection, dsn: str, kyc_url: str, kind: DocumentKind
) -> None:
    first = load(kyc_url, dsn, kind)

    assert table_rows(warehouse, kind) == expected_rows(kind)
    invalid = INVALID_DOCUMENTS[kind]
    assert [key for key, _ in quarantined(warehouse, kind)] == sorted(
        f"{kind}:{tokenize(d, KEY)}" for d in invalid
    )
    assert all(
        reason.startswith(f"invalid {kind.upper()}") for _, reason in quarantined(warehouse, kind)
    )
    assert (first.rows_loaded, first.invalid_documents, first.rows_quarantined) == (
        len(expected_rows(kind)),
        len(invalid),
        len(invalid),
    )
    # 404 and 400 are results, recorded with the provider's (masked) message, never retried.
    assert first.client_stats.retries == 0
    assert first.client_stats.requests == len(expected_rows(kind))


@pytest.mark.parametrize("kind", ["cnpj", "cpf"])
def test_loading_twice_the_same_day_changes_nothing(
    warehouse: psycopg.Connection,
    dsn: str,
    kyc_url: str,
    kyc_simulator: KycSimulator,
    kind: DocumentKind,
) -> None:
    load(kyc_url, dsn, kind)
    before = (table_rows(warehouse, kind), quarantined(warehouse, kind), restricted(warehouse))
    lookups = dict(kyc_simulator.lookups)

    second = load(kyc_url, dsn, kind)

    assert (table_rows(warehouse, kind), quarantined(warehouse, kind), restricted(warehouse)) == (
        before
    )
    assert (second.rows_loaded, second.rows_quarantined) == (0, 0)
    assert second.already_loaded_today == len(expected_rows(kind))
    # Answered today already: not asked again.
    assert second.client_stats.requests == 0 and kyc_simulator.lookups == lookups


def restricted(conn: psycopg.Connection) -> list[tuple[Any, ...]]:
    return conn.execute(
        "select document_token, document_kind, document, is_valid"
        " from raw.kyc_documents_restricted order by document_token"
    ).fetchall()


@pytest.mark.parametrize(
    "faults",
    [
        SimulatorFaults(rate_limit_burst=4, retry_after_seconds=1),
        SimulatorFaults(server_errors=3),
        SimulatorFaults(slow_responses=2, slow_seconds=0.6),
    ],
    ids=["429-bursts", "500s", "slow"],
)
def test_with_faults_the_data_ends_complete_and_exact(
    warehouse: psycopg.Connection,
    dsn: str,
    kyc_url: str,
    kyc_simulator: KycSimulator,
    faults: SimulatorFaults,
) -> None:
    kyc_simulator.faults = faults
    result = load(kyc_url, dsn, "cnpj", settings={"timeout_seconds": 0.3})

    assert table_rows(warehouse, "cnpj") == expected_rows("cnpj")
    assert result.client_stats.retries >= 2
    assert result.client_stats.breaker_state == "closed"
    assert kyc_simulator.faults == SimulatorFaults(
        retry_after_seconds=faults.retry_after_seconds, slow_seconds=faults.slow_seconds
    )


def test_retry_after_is_honoured(dsn: str, kyc_url: str, kyc_simulator: KycSimulator) -> None:
    kyc_simulator.faults = SimulatorFaults(rate_limit_burst=1, retry_after_seconds=1)
    subject = SUBJECTS[0]
    with client(kyc_url, max_retry_after_seconds=120) as kyc:
        answer = kyc.lookup(Document(subject.kind, subject.document))
        stats = kyc.stats
    assert answer.http_status == 200
    assert (stats.rate_limited, stats.retries, stats.retry_wait_seconds) == (1, 1, 1.0)


def test_an_invalid_document_gets_a_400_answer_not_an_error(kyc_url: str) -> None:
    with client(kyc_url) as kyc:
        answer = kyc.lookup(Document("cnpj", "11222333000182"))
    assert answer.http_status == 400 and answer.body["name"] == "BadRequestError"


def test_the_breaker_opens_and_nothing_is_written(
    warehouse: psycopg.Connection, dsn: str, kyc_url: str, kyc_simulator: KycSimulator
) -> None:
    kyc_simulator.faults = SimulatorFaults(server_errors=1000)
    with pytest.raises(SourceUnavailable, match="circuit breaker open"):
        load(kyc_url, dsn, "cnpj", settings={"breaker_fail_max": 3, "max_attempts": 10})
    assert table_rows(warehouse, "cnpj") == {}
    assert restricted(warehouse) == [] and quarantined(warehouse, "cnpj") == []
    assert kyc_simulator.status_counts == {500: 3}


def test_too_many_invalid_documents_load_nothing_and_call_nobody(
    warehouse: psycopg.Connection, dsn: str, kyc_url: str, kyc_simulator: KycSimulator
) -> None:
    documents = ["111.111.111-11", "123.456.789-00", SUBJECTS[-1].document]
    with pytest.raises(TooManyRejected, match="2 of 3"):
        load(kyc_url, dsn, "cpf", documents=documents, max_error_rate=0.5)
    assert len(quarantined(warehouse, "cpf")) == 2
    assert table_rows(warehouse, "cpf") == {}
    assert kyc_simulator.lookups == {}


def test_an_unreadable_answer_is_quarantined_masked(
    warehouse: psycopg.Connection, dsn: str, kyc_url: str, kyc_simulator: KycSimulator
) -> None:
    subject = next(s for s in SUBJECTS if s.kind == "cnpj" and s.answer == "found")
    kyc_simulator.raw_answers[("cnpj", subject.document)] = {
        "cnpj": subject.document,
        "razao_social": None,
        "message": f"registro {subject.document} indisponível",
    }
    result = load(kyc_url, dsn, "cnpj", max_error_rate=1.0)

    token = tokenize(subject.document, KEY)
    assert token not in table_rows(warehouse, "cnpj")
    assert result.unreadable_answers == 1
    [(key, reason)] = [q for q in quarantined(warehouse, "cnpj") if token in q[0]]
    assert "razao_social" in reason
    payload = warehouse.execute(
        "select payload from raw._quarantine where record_key = %s", (key,)
    ).fetchone()
    assert payload is not None and subject.document not in payload[0]
    assert mask_document(subject.document) in payload[0]


def test_clear_documents_live_only_in_the_restricted_table(
    warehouse: psycopg.Connection, dsn: str, kyc_url: str, kyc_simulator: KycSimulator
) -> None:
    subject = next(s for s in SUBJECTS if s.kind == "cnpj" and s.answer == "found")
    kyc_simulator.raw_answers[("cnpj", subject.document)] = {"cnpj": subject.document}
    load(kyc_url, dsn, "cnpj", max_error_rate=1.0)
    load(kyc_url, dsn, "cpf")
    clear = {s.document for s in SUBJECTS} | {
        "".join(c for c in d if c.isalnum()) for docs in INVALID_DOCUMENTS.values() for d in docs
    }

    tables = warehouse.execute(
        "select table_name from information_schema.tables where table_schema = 'raw'"
    ).fetchall()
    leaks = []
    for (table,) in tables:
        texts = warehouse.execute(
            sql.SQL("select t::text from raw.{} t").format(sql.Identifier(table))
        ).fetchall()
        for (text,) in texts:
            plain = "".join(c for c in text.upper() if c.isalnum())
            found = [d for d in clear if d in plain]
            if found and table != "kyc_documents_restricted":
                leaks.append((table, found))
    assert leaks == []
    assert {row[2] for row in restricted(warehouse)} == clear
    drifted = next(s for s in SUBJECTS if s.answer == "drifted" and s.kind == "cnpj")
    row = warehouse.execute(
        "select payload->'socios_pj'->0->>'cnpj', razao_social, cep, capital_social"
        " from raw.kyc_cnpj_results where document_token = %s",
        (tokenize(drifted.document, KEY),),
    ).fetchone()
    assert row is not None
    assert row[0] == mask_document(drifted.document) and row[1:3] == (
        "Tech Store Online Ltda",
        "01310100",
    )
