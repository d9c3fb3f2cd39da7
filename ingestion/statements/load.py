"""Load the statement files of a landing folder into `raw`, each file's content exactly once.

A file is identified by the sha256 of its content, so a file dropped again, or renamed, loads
nothing new. Lines are keyed by (file_checksum, line_number), not by (account, FITID): CSV exports
carry no FITID, some banks repeat FITIDs within a file, and overlapping statements of one account
repeat the same transaction with the same FITID in two files. Raw keeps every line of every file
as the bank sent it; staging deduplicates overlapping statements on (bank_id, account_id, fitid),
which is indexed for it.

Every run is one transaction under an advisory lock: files, lines and quarantined records commit
together or not at all, and two runs never load the same file twice.
"""

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import psycopg
from psycopg import sql

from ingestion.documents import mask_documents_in_text
from ingestion.statements.models import ParsedStatement, UnreadableStatement
from ingestion.statements.parse import parse_statement
from ingestion.statements.reader import StatementFile, landed_files, read_statement_file
from ingestion.statements.transform import (
    LINE_COLUMNS,
    ledger_balance_matches,
    line_row,
    opening_balance,
)
from ingestion.warehouse import (
    RejectedRecord,
    TooManyRejected,
    check_error_rate,
    ensure_raw_schema,
    quarantine,
)

SOURCE_NAME = "statements"
DEFAULT_MAX_ERROR_RATE = 0.05

STATEMENT_TABLES_DDL = """
create table if not exists raw.statement_files (
    file_checksum             text primary key,
    file_name                 text not null,
    file_format               text not null,
    layout                    text,
    bank_id                   text,
    branch_id                 text,
    account_id                text,
    currency                  text not null,
    period_start_at           timestamptz,
    period_end_at             timestamptz,
    opening_balance_minor     bigint,
    ledger_balance_minor      bigint,
    ledger_balance_at         timestamptz,
    ledger_balance_date       date,
    lines_total_minor         bigint not null,
    line_count                integer not null,
    lines_quarantined         integer not null,
    is_ledger_balance_matched boolean,
    _loaded_at                timestamptz not null default now(),
    _source                   text not null,
    _batch_id                 uuid not null
);

create table if not exists raw.statement_lines (
    file_checksum text not null,
    line_number   integer not null,
    bank_id       text,
    branch_id     text,
    account_id    text,
    fitid         text,
    trntype       text not null,
    amount_minor  bigint not null,
    currency      text not null,
    posted_at     timestamptz not null,
    posted_date   date not null,
    description   text not null,
    reference     text,
    _loaded_at    timestamptz not null default now(),
    _source       text not null,
    _batch_id     uuid not null,
    primary key (file_checksum, line_number)
);

create index if not exists statement_lines_account_fitid
    on raw.statement_lines (bank_id, account_id, fitid);
-- The latest load is read by its _loaded_at (data-quality checks).
create index if not exists statement_lines_loaded_at on raw.statement_lines (_loaded_at);
"""

FileStatus = Literal["loaded", "skipped", "quarantined"]


@dataclass(frozen=True)
class FileOutcome:
    file_name: str
    file_checksum: str
    status: FileStatus  # skipped: its content was already loaded, under this name or another
    lines_loaded: int = 0
    lines_quarantined: int = 0
    is_ledger_balance_matched: bool | None = None  # None: the file gives no balance to check
    reason: str | None = None  # why a quarantined file could not be read


@dataclass(frozen=True)
class StatementLoadResult:
    batch_id: str
    files: tuple[FileOutcome, ...] = field(default=())

    def _count(self, status: FileStatus) -> int:
        return sum(1 for outcome in self.files if outcome.status == status)

    @property
    def files_seen(self) -> int:
        return len(self.files)

    @property
    def files_loaded(self) -> int:
        return self._count("loaded")

    @property
    def files_skipped(self) -> int:
        return self._count("skipped")

    @property
    def files_quarantined(self) -> int:
        return self._count("quarantined")

    @property
    def lines_loaded(self) -> int:
        return sum(outcome.lines_loaded for outcome in self.files)

    @property
    def lines_quarantined(self) -> int:
        return sum(outcome.lines_quarantined for outcome in self.files)

    @property
    def balance_mismatches(self) -> tuple[str, ...]:
        return tuple(o.file_name for o in self.files if o.is_ledger_balance_matched is False)


def ensure_statement_tables(conn: psycopg.Connection) -> None:
    ensure_raw_schema(conn)
    conn.execute(STATEMENT_TABLES_DDL)


def load_statements(
    landing_dir: Path,
    warehouse_dsn: str,
    *,
    max_error_rate: float = DEFAULT_MAX_ERROR_RATE,
    full_history_accounts: Collection[str] = (),
) -> StatementLoadResult:
    """Load every statement file in `landing_dir` whose content is not loaded yet.

    Lines that fail validation, and files that cannot be read at all, go to raw._quarantine with
    the reason. When more than `max_error_rate` of the new lines fail, nothing is loaded, the
    rejected lines are still quarantined (so the reasons can be read), and TooManyRejected is
    raised. `full_history_accounts` are account ids whose statements start at the account's
    opening, so their opening balance is zero and LEDGERBAL can be checked."""
    files = [read_statement_file(path) for path in landed_files(landing_dir)]
    batch_id = str(uuid.uuid4())
    failure: TooManyRejected | None = None
    outcomes: tuple[FileOutcome, ...] = ()
    with psycopg.connect(warehouse_dsn) as conn, conn.transaction():
        # Serializes runs, and the DDL with them (concurrent `create table if not exists` race).
        conn.execute("select pg_advisory_xact_lock(hashtext('raw.statement_files'))")
        ensure_statement_tables(conn)
        loaded = _loaded_checksums(conn, [f.checksum for f in files])
        plan = _LoadPlan.of(files, loaded)
        try:
            check_error_rate(SOURCE_NAME, plan.rejected_line_count, plan.line_count, max_error_rate)
        except TooManyRejected as error:
            failure = error
        quarantine(conn, SOURCE_NAME, batch_id, plan.rejected_records())
        if failure is None:
            outcomes = _write(conn, batch_id, plan, full_history_accounts)
    if failure is not None:
        raise failure
    return StatementLoadResult(batch_id=batch_id, files=outcomes)


@dataclass(frozen=True)
class _LoadPlan:
    """The landed files sorted out before anything is written."""

    outcomes: list[FileOutcome | None]  # None: to load, from `parsed` at the same position
    files: list[StatementFile]
    parsed: list[ParsedStatement | None]

    @classmethod
    def of(cls, files: Sequence[StatementFile], loaded: set[str]) -> "_LoadPlan":
        outcomes: list[FileOutcome | None] = []
        parsed: list[ParsedStatement | None] = []
        seen = set(loaded)
        for file in files:
            statement: ParsedStatement | None = None
            outcome: FileOutcome | None = None
            if file.checksum in seen:
                outcome = FileOutcome(file.name, file.checksum, "skipped")
            else:
                seen.add(file.checksum)
                try:
                    statement = parse_statement(file.content)
                except UnreadableStatement as error:
                    outcome = FileOutcome(
                        file.name, file.checksum, "quarantined", reason=str(error)
                    )
            outcomes.append(outcome)
            parsed.append(statement)
        return cls(outcomes, list(files), parsed)

    @property
    def line_count(self) -> int:
        return sum(len(p.lines) + len(p.rejected) for p in self.parsed if p is not None)

    @property
    def rejected_line_count(self) -> int:
        return sum(len(p.rejected) for p in self.parsed if p is not None)

    def rejected_records(self) -> list[RejectedRecord]:
        records: list[RejectedRecord] = []
        for file, outcome, statement in zip(self.files, self.outcomes, self.parsed, strict=True):
            if outcome is not None and outcome.status == "quarantined":
                records.append(RejectedRecord(
                    record_key=file.checksum,
                    payload=mask_documents_in_text(_as_text(file.content)),
                    reason=f"{file.name}: {outcome.reason}",
                ))  # fmt: skip
            for line in statement.rejected if statement is not None else ():
                records.append(RejectedRecord(
                    record_key=f"{file.checksum}:{line.line_number}",
                    payload=mask_documents_in_text(line.payload.replace("\x00", "")),
                    reason=f"{file.name} line {line.line_number}: {line.reason}",
                ))  # fmt: skip
        return records


def _loaded_checksums(conn: psycopg.Connection, checksums: list[str]) -> set[str]:
    rows = conn.execute(
        "select file_checksum from raw.statement_files where file_checksum = any(%s)",
        (checksums,),
    ).fetchall()
    return {row[0] for row in rows}


def _write(
    conn: psycopg.Connection,
    batch_id: str,
    plan: _LoadPlan,
    full_history_accounts: Collection[str],
) -> tuple[FileOutcome, ...]:
    lines_loaded = _copy_lines(conn, batch_id, plan)
    outcomes: list[FileOutcome] = []
    for file, outcome, statement in zip(plan.files, plan.outcomes, plan.parsed, strict=True):
        if outcome is not None:
            outcomes.append(outcome)
            continue
        assert statement is not None
        matched = ledger_balance_matches(statement, full_history_accounts)
        _insert_file(conn, batch_id, file, statement, matched, full_history_accounts)
        outcomes.append(
            FileOutcome(
                file.name,
                file.checksum,
                "loaded",
                lines_loaded=lines_loaded.get(file.checksum, 0),
                lines_quarantined=len(statement.rejected),
                is_ledger_balance_matched=matched,
            )
        )
    return tuple(outcomes)


def _copy_lines(conn: psycopg.Connection, batch_id: str, plan: _LoadPlan) -> dict[str, int]:
    """COPY the lines of every file to load; returns how many landed per file checksum."""
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in LINE_COLUMNS)
    conn.execute(
        sql.SQL(
            "create temp table incoming_statement_lines on commit drop as"
            " select {columns} from raw.statement_lines limit 0"
        ).format(columns=columns)
    )
    with (
        conn.cursor() as cursor,
        cursor.copy(
            sql.SQL("copy incoming_statement_lines ({}) from stdin").format(columns)
        ) as copy,
    ):
        for file, outcome, statement in zip(plan.files, plan.outcomes, plan.parsed, strict=True):
            if outcome is None and statement is not None:
                for line in statement.lines:
                    copy.write_row(line_row(file.checksum, statement.header, line))
    # The natural key makes a repeat a no-op even if a file slipped past the checksum check.
    rows = conn.execute(
        sql.SQL(
            "with inserted as ("
            " insert into raw.statement_lines ({columns}, _source, _batch_id)"
            " select {columns}, %s, %s from incoming_statement_lines"
            " on conflict (file_checksum, line_number) do nothing"
            " returning file_checksum)"
            " select file_checksum, count(*) from inserted group by file_checksum"
        ).format(columns=columns),
        (SOURCE_NAME, batch_id),
    ).fetchall()
    return {checksum: count for checksum, count in rows}


def _insert_file(
    conn: psycopg.Connection,
    batch_id: str,
    file: StatementFile,
    statement: ParsedStatement,
    matched: bool | None,
    full_history_accounts: Collection[str],
) -> None:
    header = statement.header
    opening = opening_balance(header, full_history_accounts)
    conn.execute(
        """
        insert into raw.statement_files (
            file_checksum, file_name, file_format, layout, bank_id, branch_id, account_id,
            currency, period_start_at, period_end_at, opening_balance_minor,
            ledger_balance_minor, ledger_balance_at, ledger_balance_date, lines_total_minor,
            line_count, lines_quarantined, is_ledger_balance_matched, _source, _batch_id
        ) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
        on conflict (file_checksum) do nothing
        """,
        (
            file.checksum,
            file.name,
            header.format.value,
            header.layout,
            header.bank_id,
            header.branch_id,
            header.account_id,
            header.currency,
            header.period_start_at,
            header.period_end_at,
            opening,
            header.ledger_balance_minor,
            header.ledger_balance_at,
            header.ledger_balance_date,
            statement.lines_total_minor,
            len(statement.lines),
            len(statement.rejected),
            matched,
            SOURCE_NAME,
            batch_id,
        ),
    )


def _as_text(content: bytes) -> str:
    """A whole unreadable file as quarantine text: UTF-8 if it is, else Windows-1252 (what
    Brazilian exports use), never failing; NUL bytes cannot be stored in a text column."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    return text.replace("\x00", "")
