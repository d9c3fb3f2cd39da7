"""Load Open Finance accounts, balances and transactions into `raw`, incrementally and exactly once.

Transactions are fetched by booking date, from a little before the asked days (or the watermark,
the last booking date loaded, when that is earlier) so late bookings and settling transactions are
read again. Raw is append-only: a transaction gets a new row (a version) only when it is new or
its content changed, so re-running a window adds nothing. Final transactions
(TRANSACAO_EFETIVADA) never change once loaded. Non-final ones may change id while pending (the
spec allows it): a pending transaction the institution no longer lists within the fetched window
gets a version marked `withdrawn`. A transaction's current state is its latest version
(`_sequence`); staging reads that.

Pages are streamed: each page's rows are copied into a temporary table as it arrives and its
rejects are quarantined, so memory stays flat whatever the volume. The whole run is one warehouse
transaction under an advisory lock, so a crash leaves no partial batch and two runs never
interleave.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import psycopg
from psycopg import sql

from ingestion.business_day import business_today
from ingestion.openfinance.client import ClientStats, OpenFinanceClient
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
    ensure_raw_schema,
    quarantine,
    read_watermark,
    write_watermark,
)

SOURCE_NAME = "openfinance"
WATERMARK_SOURCE = "openfinance:transactions"
DEFAULT_OVERLAP_DAYS = 3
DEFAULT_MAX_ERROR_RATE = 0.05

OPENFINANCE_TABLES_DDL = """
create table if not exists raw.openfinance_accounts (
    account_id    text not null,
    brand_name    text not null,
    company_cnpj_token text not null,
    account_type  text not null,
    compe_code    text not null,
    branch_code   text,
    number        text not null,
    check_digit   text not null,
    _sequence     bigint generated always as identity,
    _loaded_at    timestamptz not null default now(),
    _source       text not null,
    _batch_id     uuid not null,
    primary key (account_id, _sequence)
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
    partie_document_token text,  -- the counterparty's CPF/CNPJ, tokenized
    partie_person_type  text,
    partie_compe_code   text,
    partie_branch_code  text,
    partie_number       text,
    partie_check_digit  text,
    -- The institution stopped listing this pending transaction (its id changed, or it lapsed).
    withdrawn           boolean not null default false,
    _sequence           bigint generated always as identity,
    _loaded_at          timestamptz not null default now(),
    _source             text not null,
    _batch_id           uuid not null,
    primary key (account_id, transaction_id, _sequence)
);

create index if not exists openfinance_transactions_booking
    on raw.openfinance_transactions (account_id, booking_date);
-- The latest load is read by its _loaded_at (data-quality checks).
create index if not exists openfinance_transactions_loaded_at
    on raw.openfinance_transactions (_loaded_at);
"""


@dataclass
class RunCounts:
    """What one run read and loaded so far."""

    records_seen: int = 0
    records_quarantined: int = 0
    account_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class OpenFinanceLoadResult:
    batch_id: str
    window_from: date
    window_to: date
    accounts_loaded: int  # new accounts, or new versions of changed ones
    balances_loaded: int
    transactions_loaded: int  # new transactions, or new versions of changed pending ones
    pending_withdrawn: int  # pending transactions the institution no longer lists
    records_seen: int
    records_quarantined: int  # rejected in this run (a repeat is counted, not stored twice)
    watermark_from: date | None
    watermark_to: date
    client_stats: ClientStats


def ensure_openfinance_tables(conn: psycopg.Connection) -> None:
    ensure_raw_schema(conn)
    conn.execute(OPENFINANCE_TABLES_DDL)


def load_openfinance(
    client: OpenFinanceClient,
    warehouse_dsn: str,
    *,
    token_key: str,
    from_date: date | None = None,
    to_date: date | None = None,
    overlap_days: int = DEFAULT_OVERLAP_DAYS,
    max_error_rate: float = DEFAULT_MAX_ERROR_RATE,
) -> OpenFinanceLoadResult:
    """Fetch the booking days [from_date, to_date] (default: today in São Paulo, both), widened
    by the overlap, and load them. CPF/CNPJ land tokenized with `token_key`.

    Records that fail validation go to raw._quarantine with the reason. When more than
    `max_error_rate` of the records fail, the rejects are still quarantined (so the reasons can be
    read) but nothing else is loaded, and TooManyRejected is raised."""
    end = to_date or business_today()
    batch_id = str(uuid.uuid4())
    counts = RunCounts()
    with psycopg.connect(warehouse_dsn) as conn, conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('raw.openfinance_transactions'))")
        ensure_openfinance_tables(conn)
        before = parse_watermark(read_watermark(conn, WATERMARK_SOURCE))
        window = booking_window(from_date or end, end, before, overlap_days=overlap_days)
        _fetch_into(_create_staging(conn), client, window, batch_id, token_key, counts)
        try:
            check_error_rate(
                SOURCE_NAME, counts.records_quarantined, counts.records_seen, max_error_rate
            )
        except TooManyRejected as error:
            failure: TooManyRejected | None = error
        else:
            failure = None
            accounts = _append_changed(conn, batch_id, ACCOUNTS)
            balances = _insert_balances(conn, batch_id)
            withdrawn = _withdraw_unlisted_pending(conn, batch_id, window, counts)
            transactions = _append_changed(conn, batch_id, TRANSACTIONS)
            after = advanced_watermark(before, window.to_date)
            write_watermark(conn, WATERMARK_SOURCE, after.isoformat())
    if failure is not None:
        raise failure
    return OpenFinanceLoadResult(
        batch_id=batch_id,
        window_from=window.from_date,
        window_to=window.to_date,
        accounts_loaded=accounts,
        balances_loaded=balances,
        transactions_loaded=transactions,
        pending_withdrawn=withdrawn,
        records_seen=counts.records_seen,
        records_quarantined=counts.records_quarantined,
        watermark_from=before,
        watermark_to=after,
        client_stats=client.stats,
    )


@dataclass(frozen=True)
class _Versioned:
    """A raw table whose rows are versions of an entity, and how staging holds them."""

    table: str
    columns: Sequence[str]
    key: Sequence[str]
    immutable_when: str | None = None  # a latest version matching this never changes
    withdrawable: bool = False  # has a `withdrawn` flag, which a record listed again clears


ACCOUNTS = _Versioned("openfinance_accounts", ACCOUNT_COLUMNS, ("account_id",))
TRANSACTIONS = _Versioned(
    "openfinance_transactions",
    TRANSACTION_COLUMNS,
    ("account_id", "transaction_id"),
    immutable_when="is_final",
    withdrawable=True,
)
_STAGED = {
    "openfinance_accounts": ACCOUNT_COLUMNS,
    "openfinance_balances": BALANCE_COLUMNS,
    "openfinance_transactions": TRANSACTION_COLUMNS,
}


def _staging_name(table: str) -> sql.Identifier:
    return sql.Identifier(f"incoming_{table}")


def _identifiers(columns: Sequence[str], prefix: str | None = None) -> sql.Composed:
    if prefix is None:
        return sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    return sql.SQL(", ").join(sql.Identifier(prefix, c) for c in columns)


@dataclass(frozen=True)
class _Staging:
    """The run's staging tables, filled page by page with a binary COPY: PostgreSQL then reads
    timestamps, dates and integers without parsing text, and psycopg writes them with less work
    (about half the time of a text COPY each side). Binary needs each column's type, read from
    the catalogue so it always matches the DDL."""

    conn: psycopg.Connection
    column_types: dict[str, list[int]]

    def take(self, table: str, split: RecordSplit, batch_id: str, counts: RunCounts) -> None:
        """Stage a page's valid rows and quarantine its rejects, in the run's transaction."""
        self._copy(table, split.rows)
        quarantine(self.conn, SOURCE_NAME, batch_id, split.rejected)
        counts.records_seen += split.seen
        counts.records_quarantined += len(split.rejected)

    def _copy(self, table: str, rows: Sequence[tuple[object, ...]]) -> None:
        if not rows:
            return
        statement = sql.SQL("copy {} ({}) from stdin (format binary)").format(
            _staging_name(table), _identifiers(_STAGED[table])
        )
        with self.conn.cursor() as cursor, cursor.copy(statement) as copy:
            copy.set_types(self.column_types[table])
            for row in rows:
                copy.write_row(row)


def _create_staging(conn: psycopg.Connection) -> _Staging:
    """Temporary tables shaped like the raw ones; `_arrival` orders repeats of a record."""
    column_types: dict[str, list[int]] = {}
    for table, columns in _STAGED.items():
        staging = _staging_name(table)
        conn.execute(
            sql.SQL(
                "create temp table {staging} on commit drop as select {cols} from {raw} limit 0;"
                " alter table {staging} add column _arrival bigint generated always as identity"
            ).format(staging=staging, cols=_identifiers(columns), raw=sql.Identifier("raw", table))
        )
        type_by_column: dict[str, int] = dict(
            conn.execute(
                "select attname::text, atttypid::int from pg_attribute"
                " where attrelid = %s::regclass and attnum > 0 and not attisdropped",
                (staging.as_string(conn),),
            ).fetchall()
        )
        column_types[table] = [type_by_column[column] for column in columns]
    return _Staging(conn, column_types)


def _fetch_into(
    staging: _Staging,
    client: OpenFinanceClient,
    window: BookingWindow,
    batch_id: str,
    token_key: str,
    counts: RunCounts,
) -> None:
    """Read every consented account, its balances and its transactions in `window`, page by
    page, into the staging tables."""
    accounts = []
    for page in client.accounts():
        valid, split = read_accounts(page.data, token_key)
        accounts.extend(valid)
        staging.take("openfinance_accounts", split, batch_id, counts)
    for account in accounts:
        counts.account_ids.append(account.account_id)
        balances = read_balances(account.account_id, client.balances(account.account_id).data)
        staging.take("openfinance_balances", balances, batch_id, counts)
        for page in client.transactions(account.account_id, window.from_date, window.to_date):
            split = read_transactions(account.account_id, page.data, token_key)
            staging.take("openfinance_transactions", split, batch_id, counts)


def _latest_per_key(versioned: _Versioned) -> sql.Composed:
    """The staged records, one per key: a final version beats a pending one, else the last read."""
    order = sql.SQL("is_final desc, _arrival desc" if versioned.immutable_when else "_arrival desc")
    return sql.SQL(
        "select distinct on ({key}) {cols} from {staging} order by {key}, {order}"
    ).format(
        key=_identifiers(versioned.key),
        cols=_identifiers(versioned.columns),
        staging=_staging_name(versioned.table),
        order=order,
    )


def _append_changed(conn: psycopg.Connection, batch_id: str, versioned: _Versioned) -> int:
    """Append each staged record that is new or differs from its latest version in raw."""
    values = [c for c in versioned.columns if c not in versioned.key]
    # A withdrawn transaction listed again comes back as a new version (`withdrawn` is false).
    compared_old: list[sql.Composable] = [sql.Identifier("latest", c) for c in values]
    compared_new: list[sql.Composable] = [sql.Identifier("incoming", c) for c in values]
    if versioned.withdrawable:
        compared_old.append(sql.Identifier("latest", "withdrawn"))
        compared_new.append(sql.SQL("false"))
    frozen = (
        sql.SQL("")
        if versioned.immutable_when is None
        else sql.SQL(" and not latest.{}").format(sql.Identifier(versioned.immutable_when))
    )
    statement = sql.SQL(
        "insert into {raw} ({cols}, _source, _batch_id)"
        " select {incoming_cols}, %s, %s from ({deduplicated}) incoming"
        " left join lateral (select * from {raw} current"
        "   where {key_match} order by current._sequence desc limit 1) latest on true"
        " where latest._sequence is null"
        "  or (({old}) is distinct from ({new}){frozen})"
    ).format(
        raw=sql.Identifier("raw", versioned.table),
        cols=_identifiers(versioned.columns),
        incoming_cols=_identifiers(versioned.columns, "incoming"),
        deduplicated=_latest_per_key(versioned),
        key_match=sql.SQL(" and ").join(
            sql.SQL("current.{c} = incoming.{c}").format(c=sql.Identifier(c)) for c in versioned.key
        ),
        old=sql.SQL(", ").join(compared_old),
        new=sql.SQL(", ").join(compared_new),
        frozen=frozen,
    )
    return conn.execute(statement, (SOURCE_NAME, batch_id)).rowcount


def _insert_balances(conn: psycopg.Connection, batch_id: str) -> int:
    # A balance is a snapshot at updateDateTime: the same snapshot read again is not a new row.
    return conn.execute(
        sql.SQL(
            "insert into raw.openfinance_balances ({cols}, _source, _batch_id)"
            " select distinct on (account_id, updated_at) {cols}, %s, %s from {staging}"
            " order by account_id, updated_at"
            " on conflict (account_id, updated_at) do nothing"
        ).format(
            cols=_identifiers(BALANCE_COLUMNS),
            staging=_staging_name("openfinance_balances"),
        ),
        (SOURCE_NAME, batch_id),
    ).rowcount


def _withdraw_unlisted_pending(
    conn: psycopg.Connection, batch_id: str, window: BookingWindow, counts: RunCounts
) -> int:
    """Pending transactions of the fetched accounts and window that the institution no longer
    lists have changed id or lapsed: append a `withdrawn` version of each. Their replacement, if
    any, is among the staged records."""
    cols = _identifiers(TRANSACTION_COLUMNS)
    return conn.execute(
        sql.SQL(
            "insert into raw.openfinance_transactions ({cols}, withdrawn, _source, _batch_id)"
            " select {cols}, true, %s, %s from raw.openfinance_transactions t"
            " where t.account_id = any(%s) and t.booking_date between %s and %s"
            "  and not t.is_final and not t.withdrawn"
            "  and not exists (select 1 from raw.openfinance_transactions newer"
            "   where newer.account_id = t.account_id"
            "    and newer.transaction_id = t.transaction_id and newer._sequence > t._sequence)"
            "  and not exists (select 1 from {staging} s"
            "   where s.account_id = t.account_id and s.transaction_id = t.transaction_id)"
        ).format(cols=cols, staging=_staging_name("openfinance_transactions")),
        (SOURCE_NAME, batch_id, counts.account_ids, window.from_date, window.to_date),
    ).rowcount
