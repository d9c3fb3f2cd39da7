"""Statement files land in raw once per content, whole or not at all, with rejects quarantined."""

import os
import shutil
import time
from pathlib import Path

import dagster as dg
import psycopg
import pytest

from fluxo.databases import DatabaseUrls
from ingestion.statements import load as statements_load
from ingestion.statements.load import SOURCE_NAME, ensure_statement_tables, load_statements
from ingestion.warehouse import TooManyRejected
from orchestration.defs.resources import FluxoDatabases
from orchestration.defs.statements import statement_assets, statement_sensors
from orchestration.defs.statements.sensors import SETTLE_SECONDS, statement_files_sensor

FIXTURES = Path(__file__).parents[1] / "fixtures" / "statements"
VALID = {
    "itau_conta_corrente_2026-11.ofx": 5,
    "nubank_pj_2026-11.ofx": 4,
    "itau_extrato_2026-11.csv": 5,
    "bradesco_extrato_2026-11.csv": 5,
}


@pytest.fixture
def warehouse(warehouse_conn: psycopg.Connection) -> psycopg.Connection:
    """The warehouse with no statement loaded yet: these tests count what each load adds."""
    with warehouse_conn.transaction():
        ensure_statement_tables(warehouse_conn)
        warehouse_conn.execute("truncate raw.statement_lines, raw.statement_files")
        warehouse_conn.execute("delete from raw._quarantine where source = %s", (SOURCE_NAME,))
    return warehouse_conn


@pytest.fixture
def dsn(database_urls: DatabaseUrls) -> str:
    return database_urls.warehouse_dsn


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    folder = tmp_path / "landing"
    folder.mkdir()
    return folder


def drop(
    landing: Path, fixture: str, name: str | None = None, content: bytes | None = None
) -> Path:
    path = landing / (name or fixture)
    path.write_bytes(content if content is not None else (FIXTURES / fixture).read_bytes())
    return path


def counts(conn: psycopg.Connection) -> tuple[int, int, int]:
    row = conn.execute(
        "select (select count(*) from raw.statement_files),"
        " (select count(*) from raw.statement_lines),"
        " (select count(*) from raw._quarantine where source = %s)",
        (SOURCE_NAME,),
    ).fetchone()
    assert row is not None
    return row


def with_bad_amount() -> bytes:
    return (FIXTURES / "itau_extrato_2026-11.csv").read_bytes().replace(b"-54,90", b"-54,9O")


def test_loading_twice_loads_each_file_once(
    warehouse: psycopg.Connection, dsn: str, landing: Path
) -> None:
    for name in VALID:
        drop(landing, name)

    first = load_statements(landing, dsn)
    again = load_statements(landing, dsn)

    assert (first.files_seen, first.files_loaded, first.lines_loaded) == (4, 4, sum(VALID.values()))
    assert (again.files_seen, again.files_loaded, again.files_skipped) == (4, 0, 4)
    assert again.lines_loaded == 0
    assert counts(warehouse) == (4, sum(VALID.values()), 0)
    # Money arrives as centavos, times as UTC instants with their São Paulo business date.
    fee = warehouse.execute(
        "select amount_minor, currency, posted_at, posted_date::text, fitid, trntype, _source"
        " from raw.statement_lines where fitid = '202611030000002'"
    ).fetchone()
    assert fee is not None
    assert fee[0:2] == (-8990, "BRL")
    assert fee[2].isoformat() == "2026-11-04T01:00:00+00:00"
    assert fee[3:] == ("2026-11-03", "202611030000002", "FEE", "statements")
    batches = warehouse.execute(
        "select count(distinct _batch_id) from raw.statement_lines"
    ).fetchone()
    assert batches == (1,)


def test_same_content_renamed_or_dropped_twice_is_skipped(
    warehouse: psycopg.Connection, dsn: str, landing: Path
) -> None:
    drop(landing, "nubank_pj_2026-11.ofx")
    drop(landing, "nubank_pj_2026-11.ofx", name="copia (1).ofx")

    first = load_statements(landing, dsn)
    drop(landing, "nubank_pj_2026-11.ofx", name="extrato-novembro.OFX")
    second = load_statements(landing, dsn)

    assert [(o.file_name, o.status) for o in first.files] == [
        ("copia (1).ofx", "loaded"),
        ("nubank_pj_2026-11.ofx", "skipped"),
    ]
    assert (second.files_seen, second.files_loaded, second.files_skipped) == (3, 0, 3)
    assert counts(warehouse) == (1, 4, 0)


def test_invalid_line_is_quarantined_with_its_reason_and_counted(
    warehouse: psycopg.Connection, dsn: str, landing: Path
) -> None:
    drop(landing, "itau_extrato_2026-11.csv", content=with_bad_amount())

    result = load_statements(landing, dsn, max_error_rate=0.25)
    again = load_statements(landing, dsn, max_error_rate=0.25)

    assert (result.files_loaded, result.lines_loaded, result.lines_quarantined) == (1, 4, 1)
    assert again.lines_quarantined == 0  # the file is skipped, its reject not counted twice
    [(record_key, payload, reason)] = warehouse.execute(
        "select record_key, payload, reason from raw._quarantine where source = %s",
        (SOURCE_NAME,),
    ).fetchall()
    checksum = result.files[0].file_checksum
    assert record_key == f"{checksum}:12"
    assert payload == "04/11/2026;TAR PACOTE ITAU;;-54,9O;"
    assert "itau_extrato_2026-11.csv line 12: amount '-54,9O' is not a number" in reason
    row = warehouse.execute(
        "select line_count, lines_quarantined, is_ledger_balance_matched"
        " from raw.statement_files where file_checksum = %s",
        (checksum,),
    ).fetchone()
    assert row == (4, 1, False)


def test_past_the_error_rate_nothing_is_loaded_but_the_reasons_are_kept(
    warehouse: psycopg.Connection, dsn: str, landing: Path
) -> None:
    drop(landing, "bradesco_extrato_2026-11.csv")
    drop(landing, "itau_extrato_2026-11.csv", content=with_bad_amount())

    with pytest.raises(TooManyRejected, match="1 of 10 records failed validation"):
        load_statements(landing, dsn, max_error_rate=0.05)

    assert counts(warehouse) == (0, 0, 1)
    # Within the rate, the same files load.
    assert load_statements(landing, dsn, max_error_rate=0.1).lines_loaded == 9


def test_unreadable_file_is_quarantined_whole_and_the_others_load(
    warehouse: psycopg.Connection, dsn: str, landing: Path
) -> None:
    drop(landing, "truncated.ofx")
    drop(landing, "nubank_pj_2026-11.ofx")

    result = load_statements(landing, dsn)

    assert (result.files_loaded, result.files_quarantined, result.lines_loaded) == (1, 1, 4)
    [outcome] = [o for o in result.files if o.status == "quarantined"]
    assert outcome.reason is not None and "</BANKMSGSRSV1>" in outcome.reason
    [(record_key, payload, reason)] = warehouse.execute(
        "select record_key, payload, reason from raw._quarantine where source = %s",
        (SOURCE_NAME,),
    ).fetchall()
    assert record_key == outcome.file_checksum
    assert payload.startswith("OFXHEADER:100")
    assert reason.startswith("truncated.ofx: not a readable OFX file")


def test_ledger_balance_check_is_recorded_not_enforced(
    warehouse: psycopg.Connection, dsn: str, landing: Path
) -> None:
    sgml = (FIXTURES / "itau_conta_corrente_2026-11.ofx").read_bytes()
    drop(landing, "itau_conta_corrente_2026-11.ofx")  # states its opening balance
    drop(landing, "nubank_pj_2026-11.ofx")  # does not; its account is checked as whole history
    drop(landing, "bradesco_extrato_2026-11.csv")
    drop(landing, "off.ofx", content=sgml.replace(b"<BALAMT>6747,73", b"<BALAMT>6747,74", 1))

    result = load_statements(landing, dsn, full_history_accounts={"9876543-2"})

    checks = {o.file_name: o.is_ledger_balance_matched for o in result.files}
    assert checks == {
        "bradesco_extrato_2026-11.csv": True,
        "itau_conta_corrente_2026-11.ofx": True,
        "nubank_pj_2026-11.ofx": True,
        "off.ofx": False,
    }
    assert result.balance_mismatches == ("off.ofx",)
    stored: dict[str, str] = dict(
        warehouse.execute(
            "select file_name, (opening_balance_minor, ledger_balance_minor,"
            " lines_total_minor, is_ledger_balance_matched)::text from raw.statement_files"
        ).fetchall()
    )
    assert stored["off.ofx"] == "(100000,674774,574773,f)"
    assert stored["nubank_pj_2026-11.ofx"] == "(0,114772,114772,t)"

    without_history = load_statements(landing, dsn)
    assert without_history.files_loaded == 0  # already loaded: the check is not redone


def test_unchecked_balance_is_null(warehouse: psycopg.Connection, dsn: str, landing: Path) -> None:
    drop(landing, "nubank_pj_2026-11.ofx")

    [outcome] = load_statements(landing, dsn).files

    assert outcome.is_ledger_balance_matched is None
    row = warehouse.execute(
        "select opening_balance_minor, ledger_balance_minor, ledger_balance_date::text,"
        " is_ledger_balance_matched from raw.statement_files"
    ).fetchone()
    assert row == (None, 114772, "2026-11-09", None)


def test_a_crash_mid_load_leaves_nothing_behind(
    warehouse: psycopg.Connection, dsn: str, landing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drop(landing, "itau_extrato_2026-11.csv", content=with_bad_amount())
    drop(landing, "bradesco_extrato_2026-11.csv")

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("killed after the lines were copied")

    monkeypatch.setattr(statements_load, "_insert_file", crash)
    with pytest.raises(RuntimeError):
        load_statements(landing, dsn, max_error_rate=0.5)

    assert counts(warehouse) == (0, 0, 0)


@pytest.fixture
def fluxo_landing(
    database_urls: DatabaseUrls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """$FLUXO_HOME/landing of this test's own, where the asset and the sensor look."""
    monkeypatch.setenv("FLUXO_HOME", str(tmp_path / "home"))
    folder = tmp_path / "home" / "landing"
    folder.mkdir(parents=True)
    return folder


def settled(path: Path) -> None:
    past = time.time() - SETTLE_SECONDS - 5
    os.utime(path, (past, past))


def test_sensor_requests_a_run_when_a_new_file_lands(fluxo_landing: Path) -> None:
    assert statement_sensors == [statement_files_sensor]
    empty = statement_files_sensor(dg.build_sensor_context())
    assert isinstance(empty, dg.SensorResult) and not empty.run_requests

    settled(drop(fluxo_landing, "nubank_pj_2026-11.ofx"))
    drop(fluxo_landing, "itau_extrato_2026-11.csv", name="still-copying.csv")  # too recent
    settled(drop(fluxo_landing, "itau_extrato_2026-11.csv", name="upload.ofx.part"))
    first = statement_files_sensor(dg.build_sensor_context())
    assert isinstance(first, dg.SensorResult) and first.run_requests is not None
    assert len(first.run_requests) == 1
    assert first.cursor is not None and "nubank_pj_2026-11.ofx|" in first.cursor
    assert "still-copying" not in first.cursor and "upload" not in first.cursor

    unchanged = statement_files_sensor(dg.build_sensor_context(cursor=first.cursor))
    assert isinstance(unchanged, dg.SensorResult) and not unchanged.run_requests

    settled(fluxo_landing / "still-copying.csv")
    settled(drop(fluxo_landing, "bradesco_extrato_2026-11.csv"))
    second = statement_files_sensor(dg.build_sensor_context(cursor=first.cursor))
    assert isinstance(second, dg.SensorResult) and second.run_requests is not None
    assert len(second.run_requests) == 1
    assert second.run_requests[0].run_key != first.run_requests[0].run_key
    assert second.cursor is not None and "bradesco_extrato_2026-11.csv|" in second.cursor


def test_asset_materializes_from_the_landing_folder(
    warehouse: psycopg.Connection, fluxo_landing: Path
) -> None:
    for name in VALID:
        shutil.copy(FIXTURES / name, fluxo_landing / name)
    drop(fluxo_landing, "truncated.ofx")

    result = dg.materialize(statement_assets, resources={"databases": FluxoDatabases()})

    assert result.success
    [materialization] = result.asset_materializations_for_node("raw__statement_lines")
    assert materialization.asset_key == dg.AssetKey(["raw", "statement_lines"])
    metadata = {key: value.value for key, value in materialization.metadata.items()}
    assert metadata["rows_loaded"] == sum(VALID.values())
    assert metadata["rows_quarantined"] == 0
    assert (metadata["files_seen"], metadata["files_loaded"]) == (5, 4)
    assert metadata["files_quarantined"] == 1
    assert counts(warehouse) == (4, sum(VALID.values()), 1)
