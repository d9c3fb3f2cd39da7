"""Load Open Finance accounts, balances and transactions into `raw`, incrementally and exactly once.

Transactions are fetched by booking date, from a little before the watermark (the last booking
date loaded) so late bookings and settling transactions are read again. Raw keeps one row per
(account_id, transaction_id). Final transactions (TRANSACAO_EFETIVADA) never change once loaded.
Non-final ones may change id while they are pending (the spec allows it), so within the fetched
window they form a replaceable set: a pending row the institution no longer lists is deleted, and
the row under its new id (pending or final) is inserted. Re-running a window changes nothing.

Everything is fetched first; then the rows, the quarantined records and the watermark commit in
one warehouse transaction under an advisory lock, so a crash leaves no partial batch and two runs
never interleave.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import psycopg
from psycopg import sql

from ingestion.openfinance.client import ClientStats, OpenFinanceClient
from ingestion.openfinance.models import BUSINESS_TIMEZONE
from ingestion.openfinance.transform import (
    ACCOUNT_COLUMNS,
    BALANCE_COLUMNS,
    TRANSACTION_COLUMNS,
    BookingWindow,
    RecordSplit,
    advanced_watermark,
    booking_window,
    parse_watermark,
    read_accounts,
    read_balances,
    read_transactions,
)
from ingestion.warehouse import (
    TooManyRejected,
    check_error_rate,
    current_watermark,
    ensure_raw_schema,
    quarantine,
    read_watermark,
    write_watermark,
)

SOURCE_NAME = "openfinance"
WATERMARK_SOURCE = "openfinance:transactions"
DEFAULT_OVERLAP_DAYS = 3
DEFAULT_INITIAL_DAYS = 35
DEFAULT_MAX_ERROR_RATE = 0.05

OPENFINANCE_TABLES_DDL = """
create table if not exists raw.openfinance_accounts (
    account_id    text primary key,
    brand_name    text not null,
    company_cnpj  text not null,
    account_type  text not null,
    compe_code    text not null,
    branch_code   text,
    number        text not null,
    check_digit   text not null,
    _loaded_at    timestamptz not null default now(),
    _source       text not null,
    _batch_id     uuid not null
);

create table if not exists raw.openfinance_balances (
    account_id                          text not null,
    updated_at                          timestamptz not null,
    available_amount_minor              bigint not null,
    blocked_amount_minor                bigint not null,
    automatically_invested_amount_minor bigint not null,
    currency                            text not null,
    _loaded_at                          timestamptz not null default now(),
    _source                             text not null,
    _batch_id                           uuid not null,
    primary key (account_id, updated_at)
);

create table if not exists raw.openfinance_transactions (
    account_id          text not null,
    transaction_id      text not null,
    status              text not null,
    is_final            boolean not null,
    credit_debit        text not null,
    transaction_name    text not null,
    transaction_type    text not null,
    amount_minor        bigint not null,
    signed_amount_minor bigint not null,
    currency            text not null,
    transaction_at      timestamptz not null,
    booking_date        date not null,
    partie_cnpj_cpf     text,
    partie_person_type  text,
    partie_compe_code   text,
    partie_branch_code  text,
    partie_number       text,
    partie_check_digit  text,
    _loaded_at          timestamptz not null default now(),
    _source             text not null,
    _batch_id           uuid not null,
    primary key (account_id, transaction_id)
);

create index if not exists openfinance_transactions_booking
    on raw.openfinance_transactions (account_id, booking_date);
"""


@dataclass
class FetchedBatch:
    """What one run read from the institution, validated, before anything is written."""

    window: BookingWindow
    account_ids: list[str] = field(default_factory=list)
    accounts: RecordSplit = field(default_factory=RecordSplit)
    balances: RecordSplit = field(default_factory=RecordSplit)
    transactions: RecordSplit = field(default_factory=RecordSplit)

    @property
    def records_seen(self) -> int:
        return self.accounts.seen + self.balances.seen + self.transactions.seen

    @property
    def records_rejected(self) -> int:
        return len(self.accounts.rejected + self.balances.rejected + self.transactions.rejected)


@dataclass(frozen=True)
class OpenFinanceLoadResult:
    batch_id: str
    window_from: date
    window_to: date
    accounts_loaded: int
    balances_loaded: int
    transactions_loaded: int  # inserted, or pending rows updated in place
    pending_replaced: int  # pending rows deleted because the institution no longer lists them
    records_seen: int
    records_quarantined: int  # rejected in this run (a repeat is counted, not stored twice)
    watermark_from: date | None
    watermark_to: date
    client_stats: ClientStats


def ensure_openfinance_tables(conn: psycopg.Connection) -> None:
    ensure_raw_schema(conn)
    conn.execute(OPENFINANCE_TABLES_DDL)


def business_today() -> date:
    return datetime.now(BUSINESS_TIMEZONE).date()


def fetch_batch(client: OpenFinanceClient, window: BookingWindow) -> FetchedBatch:
    """Read every consented account, its balances and its transactions in `window`."""
    batch = FetchedBatch(window)
    raw_accounts = [record for page in client.accounts() for record in page.data]
    accounts, batch.accounts = read_accounts(raw_accounts)
    for account in accounts:
        batch.account_ids.append(account.account_id)
        batch.balances.extend(
            read_balances(account.account_id, client.balances(account.account_id).data)
        )
        records = [
            record
            for page in client.transactions(account.account_id, window.from_date, window.to_date)
            for record in page.data
        ]
        batch.transactions.extend(read_transactions(account.account_id, records))
    return batch


def load_openfinance(
    client: OpenFinanceClient,
    warehouse_dsn: str,
    *,
    to_date: date | None = None,
    overlap_days: int = DEFAULT_OVERLAP_DAYS,
    initial_days: int = DEFAULT_INITIAL_DAYS,
    max_error_rate: float = DEFAULT_MAX_ERROR_RATE,
) -> OpenFinanceLoadResult:
    """Fetch the booking window ending `to_date` (default: today in São Paulo) and load it.

    Records that fail validation go to raw._quarantine with the reason. When more than
    `max_error_rate` of the records fail, the rejects are still quarantined (so the reasons can be
    read) but nothing else is loaded, and TooManyRejected is raised."""
    end = to_date or business_today()
    with psycopg.connect(warehouse_dsn, autocommit=True) as conn:
        ensure_raw_schema(conn)
        known = parse_watermark(current_watermark(conn, WATERMARK_SOURCE))
    window = booking_window(end, known, overlap_days=overlap_days, initial_days=initial_days)
    batch = fetch_batch(client, window)
    return write_batch(warehouse_dsn, batch, client.stats, max_error_rate=max_error_rate)


def write_batch(
    warehouse_dsn: str,
    batch: FetchedBatch,
    stats: ClientStats,
    *,
    max_error_rate: float = DEFAULT_MAX_ERROR_RATE,
) -> OpenFinanceLoadResult:
    """Write a fetched batch in one transaction: all of it, or (past the error rate) only its
    quarantined records."""
    batch_id = str(uuid.uuid4())
    rejected = batch.accounts.rejected + batch.balances.rejected + batch.transactions.rejected
    failure: TooManyRejected | None = None
    with psycopg.connect(warehouse_dsn) as conn, conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('raw.openfinance_transactions'))")
        ensure_openfinance_tables(conn)
        before = parse_watermark(read_watermark(conn, WATERMARK_SOURCE))
        try:
            check_error_rate(SOURCE_NAME, len(rejected), batch.records_seen, max_error_rate)
        except TooManyRejected as error:
            failure = error
        quarantine(conn, SOURCE_NAME, batch_id, rejected)
        if failure is None:
            accounts = _upsert_accounts(conn, batch_id, batch.accounts.rows)
            balances = _insert_balances(conn, batch_id, batch.balances.rows)
            replaced, transactions = _merge_transactions(conn, batch_id, batch)
            after = advanced_watermark(before, batch.window.to_date)
            write_watermark(conn, WATERMARK_SOURCE, after.isoformat())
    if failure is not None:
        raise failure
    return OpenFinanceLoadResult(
        batch_id=batch_id,
        window_from=batch.window.from_date,
        window_to=batch.window.to_date,
        accounts_loaded=accounts,
        balances_loaded=balances,
        transactions_loaded=transactions,
        pending_replaced=replaced,
        records_seen=batch.records_seen,
        records_quarantined=len(rejected),
        watermark_from=before,
        watermark_to=after,
        client_stats=stats,
    )


def _identifiers(columns: Sequence[str]) -> sql.Composed:
    return sql.SQL(", ").join(sql.Identifier(c) for c in columns)


def _stage(
    conn: psycopg.Connection, table: str, columns: Sequence[str], rows: list[tuple[object, ...]]
) -> sql.Identifier:
    """COPY rows into a temporary copy of raw.<table>'s columns; returns the staging table."""
    staging = sql.Identifier(f"incoming_{table}")
    conn.execute(
        sql.SQL(
            "create temp table {staging} on commit drop as select {cols} from {raw} limit 0"
        ).format(staging=staging, cols=_identifiers(columns), raw=sql.Identifier("raw", table))
    )
    with (
        conn.cursor() as cursor,
        cursor.copy(
            sql.SQL("copy {} ({}) from stdin").format(staging, _identifiers(columns))
        ) as copy,
    ):
        for row in rows:
            copy.write_row(row)
    return staging


def _upsert(
    conn: psycopg.Connection,
    batch_id: str,
    table: str,
    columns: Sequence[str],
    key: Sequence[str],
    staging: sql.Identifier,
    *,
    only_when: sql.Composable | None = None,
) -> int:
    """Insert staged rows; an existing row is updated only when it differs (and `only_when`)."""
    values = [c for c in columns if c not in key]
    changed = sql.SQL("({old}) is distinct from ({new})").format(
        old=sql.SQL(", ").join(sql.Identifier("raw_row", c) for c in values),
        new=sql.SQL(", ").join(sql.Identifier("excluded", c) for c in values),
    )
    condition = changed if only_when is None else sql.SQL("{} and {}").format(only_when, changed)
    statement = sql.SQL(
        "insert into {raw} as raw_row ({cols}, _source, _batch_id)"
        " select {cols}, %s, %s from {staging}"
        " on conflict ({key}) do update set ({values}, _loaded_at, _source, _batch_id)"
        " = ({excluded}, now(), excluded._source, excluded._batch_id)"
        " where {condition}"
    ).format(
        raw=sql.Identifier("raw", table),
        cols=_identifiers(columns),
        staging=staging,
        key=_identifiers(key),
        values=_identifiers(values),
        excluded=sql.SQL(", ").join(sql.Identifier("excluded", c) for c in values),
        condition=condition,
    )
    return conn.execute(statement, (SOURCE_NAME, batch_id)).rowcount


def _upsert_accounts(
    conn: psycopg.Connection, batch_id: str, rows: list[tuple[object, ...]]
) -> int:
    staging = _stage(conn, "openfinance_accounts", ACCOUNT_COLUMNS, rows)
    return _upsert(
        conn, batch_id, "openfinance_accounts", ACCOUNT_COLUMNS, ("account_id",), staging
    )


def _insert_balances(
    conn: psycopg.Connection, batch_id: str, rows: list[tuple[object, ...]]
) -> int:
    # A balance is a snapshot at updateDateTime: the same snapshot read again is not a new row.
    staging = _stage(conn, "openfinance_balances", BALANCE_COLUMNS, rows)
    return conn.execute(
        sql.SQL(
            "insert into raw.openfinance_balances ({cols}, _source, _batch_id)"
            " select {cols}, %s, %s from {staging}"
            " on conflict (account_id, updated_at) do nothing"
        ).format(cols=_identifiers(BALANCE_COLUMNS), staging=staging),
        (SOURCE_NAME, batch_id),
    ).rowcount


def _merge_transactions(
    conn: psycopg.Connection, batch_id: str, batch: FetchedBatch
) -> tuple[int, int]:
    """Returns (pending rows replaced, rows inserted or updated)."""
    staging = _stage(conn, "openfinance_transactions", TRANSACTION_COLUMNS, batch.transactions.rows)
    # Pending rows of the fetched accounts and window that the institution no longer lists have
    # changed id (or vanished): their replacement, if any, is in the staging table.
    replaced = conn.execute(
        sql.SQL(
            "delete from raw.openfinance_transactions t"
            " where not t.is_final and t.account_id = any(%s)"
            " and t.booking_date between %s and %s"
            " and not exists (select 1 from {staging} s"
            "  where s.account_id = t.account_id and s.transaction_id = t.transaction_id)"
        ).format(staging=staging),
        (batch.account_ids, batch.window.from_date, batch.window.to_date),
    ).rowcount
    # Final rows are immutable; a pending row may settle or change under the same id.
    loaded = _upsert(
        conn,
        batch_id,
        "openfinance_transactions",
        TRANSACTION_COLUMNS,
        ("account_id", "transaction_id"),
        staging,
        only_when=sql.SQL("not raw_row.is_final"),
    )
    return replaced, loaded
