"""The provider's PEP list lands in raw tokenized, paged through, once; invalid entries are
quarantined masked; a changed entry adds a version; the asset materializes."""

from datetime import date
from typing import Any

import dagster as dg
import psycopg
import pytest

from fluxo.databases import DatabaseUrls
from ingestion.documents import TOKEN_KEY_ENV, mask_document, tokenize
from ingestion.kyc.client import KycClient, KycSettings
from ingestion.kyc.demo import demo_pep_list, pep_cpf
from ingestion.kyc.pep import PepLoadResult, ensure_pep_table, load_pep_register
from ingestion.kyc.simulator import KycSimulator, SimulatorFaults, simulator_in_thread
from ingestion.warehouse import TooManyRejected
from orchestration.defs.kyc import KycSource
from orchestration.defs.kyc.assets import raw_kyc_pep_register
from orchestration.defs.resources import FluxoDatabases

KEY = "test-document-token-key-pep-0123456789abcdef"
PEOPLE = 5


@pytest.fixture
def warehouse(
    warehouse_conn: psycopg.Connection, monkeypatch: pytest.MonkeyPatch
) -> psycopg.Connection:
    """The warehouse with no PEP list loaded: these tests count what each load adds."""
    monkeypatch.setenv(TOKEN_KEY_ENV, KEY)
    with warehouse_conn.transaction():
        ensure_pep_table(warehouse_conn)
        warehouse_conn.execute("truncate raw.kyc_pep_register")
        warehouse_conn.execute("delete from raw._quarantine where source = 'kyc_pep'")
    return warehouse_conn


def load(kyc_url: str, dsn: str, **options: Any) -> PepLoadResult:
    settings = KycSettings(
        url=kyc_url,
        backoff_initial_seconds=0.01,
        backoff_max_seconds=0.05,
        max_retry_after_seconds=0.05,
    )
    with KycClient(settings) as client:
        return load_pep_register(client, dsn, token_key=KEY, **options)


def pep_rows(warehouse: psycopg.Connection) -> list[tuple[Any, ...]]:
    return warehouse.execute(
        "select document_token, document_masked, pep_name, mandate_end from raw.kyc_pep_register"
        " order by pep_name, _loaded_at"
    ).fetchall()


def test_the_list_lands_tokenized_once_with_the_invalid_entry_quarantined(
    warehouse: psycopg.Connection, kyc_url: str, database_urls: DatabaseUrls
) -> None:
    dsn = database_urls.warehouse_dsn
    first = load(kyc_url, dsn)

    # Six entries on three pages of two: five people and one CPF with a wrong check digit.
    assert (first.entries_seen, first.pages, first.rows_loaded) == (6, 3, PEOPLE)
    assert (first.invalid_entries, first.rows_quarantined) == (1, 1)
    expected = sorted(
        (tokenize(p["cpf"], KEY), mask_document(p["cpf"]), p["name"])
        for p in demo_pep_list()[:PEOPLE]
    )
    assert sorted(row[:3] for row in pep_rows(warehouse)) == expected
    quarantined = warehouse.execute(
        "select record_key, payload, reason from raw._quarantine where source = 'kyc_pep'"
    ).fetchall()
    mistyped = demo_pep_list()[PEOPLE]["cpf"]
    assert [(key, reason) for key, _, reason in quarantined] == [
        (
            f"cpf:{tokenize(mistyped, KEY)}",
            "invalid CPF on the PEP list: CPF check digits do not match",
        )
    ]
    assert mistyped not in quarantined[0][1]
    restricted = warehouse.execute(
        "select document from raw.kyc_documents_restricted where document_token = any(%s)",
        ([row[0] for row in expected],),
    ).fetchall()
    assert sorted(r[0] for r in restricted) == sorted(pep_cpf(n) for n in range(1, PEOPLE + 1))
    clear_in_register = warehouse.execute(
        "select count(*) from raw.kyc_pep_register t where position(%s in t::text) > 0",
        (pep_cpf(1),),
    ).fetchone()
    assert clear_in_register == (0,)

    again = load(kyc_url, dsn)
    assert (again.rows_loaded, again.rows_quarantined) == (0, 0)
    assert len(pep_rows(warehouse)) == PEOPLE


def test_a_mandate_that_ends_adds_a_version(
    warehouse: psycopg.Connection,
    kyc_url: str,
    kyc_simulator: KycSimulator,
    database_urls: DatabaseUrls,
) -> None:
    dsn = database_urls.warehouse_dsn
    load(kyc_url, dsn)
    kyc_simulator.pep_list[0] = {**kyc_simulator.pep_list[0], "mandate_end": "2026-10-31"}

    changed = load(kyc_url, dsn)

    assert changed.rows_loaded == 1
    elisa = [row for row in pep_rows(warehouse) if row[2] == "ELISA MONTEIRO DUARTE"]
    assert [row[3] for row in elisa] == [None, date(2026, 10, 31)]


def test_rate_limits_and_server_errors_are_ridden_out(
    warehouse: psycopg.Connection,
    kyc_url: str,
    kyc_simulator: KycSimulator,
    database_urls: DatabaseUrls,
) -> None:
    kyc_simulator.faults = SimulatorFaults(rate_limit_burst=2, server_errors=2)
    result = load(kyc_url, database_urls.warehouse_dsn)
    assert result.rows_loaded == PEOPLE
    assert result.client_stats.retries == 4


def test_a_list_mostly_invalid_loads_nothing(
    warehouse: psycopg.Connection, kyc_simulator: KycSimulator, database_urls: DatabaseUrls
) -> None:
    kyc_simulator.pep_list = [{"cpf": "111.111.111-11", "name": "X"}, {"name": "no cpf"}]
    with simulator_in_thread(kyc_simulator) as url, pytest.raises(TooManyRejected):
        load(url, database_urls.warehouse_dsn)
    assert pep_rows(warehouse) == []
    reasons = warehouse.execute(
        "select reason from raw._quarantine where source = 'kyc_pep' order by reason"
    ).fetchall()
    assert [r[0].split(":")[0] for r in reasons] == [
        "invalid CPF on the PEP list",
        "unreadable PEP entry",
    ]


def test_the_asset_materializes(
    warehouse: psycopg.Connection, kyc_url: str, database_urls: DatabaseUrls
) -> None:
    result = dg.materialize(
        [raw_kyc_pep_register],
        resources={
            "kyc": KycSource(url=kyc_url, backoff_initial_seconds=0.01),
            "databases": FluxoDatabases(),
        },
    )
    assert result.success
    metadata = result.asset_materializations_for_node("raw__kyc_pep_register")[0].metadata
    assert metadata["rows_loaded"].value == PEOPLE
    assert metadata["rows_quarantined"].value == 1
