"""Copy new ledger rows into `raw`, exactly once, streaming with COPY.

The watermark is a transaction id, not a sequence value. Sequence values are taken when a
transaction writes but become visible when it commits, so a reader that remembers "the highest id I
saw" skips any row whose transaction commits later with a smaller id. Instead, each load reads
the ledger snapshot's xmin: every transaction with a smaller id has finished, so the rows written
by transactions in [previous xmin, current xmin) are complete and final. A long-running ledger
transaction delays its rows until it ends; it never loses them.
"""

import uuid
from dataclasses import dataclass
from typing import Literal

import psycopg
from psycopg import sql

from ingestion.documents import document_token_key
from ingestion.kyc.restricted import (
    RestrictedDocument,
    ensure_restricted_table,
    remember_documents,
)
from ingestion.ledger.tables import LEDGER_TABLES, LedgerTable
from ingestion.warehouse import ensure_raw_schema, read_watermark, write_watermark

SOURCE_NAME = "ledger"
# Rows rewritten in Python are read from a server-side cursor this many at a time.
REWRITE_BATCH_ROWS = 5000


@dataclass(frozen=True)
class LoadResult:
    raw_table: str
    batch_id: str
    rows_read: int
    rows_loaded: int
    watermark_from: str | None
    watermark_to: str


def ensure_raw_table(conn: psycopg.Connection, table: LedgerTable) -> None:
    key = ", ".join(table.natural_key)
    conn.execute(
        sql.SQL(
            """
            create table if not exists {raw} ({columns},
                _loaded_at timestamptz not null default now(),
                _source    text not null,
                _batch_id  uuid not null,
                primary key ({key})
            )
            """
        ).format(
            raw=sql.SQL(table.raw_table),
            columns=sql.SQL(table.ddl_columns),
            key=sql.SQL(key),
        )
    )
    # The latest load is read by its _loaded_at (data-quality checks, incremental models, dbt's
    # tests of a daily build): an index keeps that O(one load) however long the history.
    name = table.raw_table.split(".")[1]
    conn.execute(
        sql.SQL("create index if not exists {index} on {raw} (_loaded_at)").format(
            index=sql.Identifier(f"{name}_loaded_at"), raw=sql.SQL(table.raw_table)
        )
    )
    # Earlier versions indexed _loaded_at twice on some tables; every load paid for both.
    conn.execute(
        sql.SQL("drop index if exists {index}").format(
            index=sql.Identifier("raw", f"ix_{name}_loaded_at")
        )
    )
    _ensure_natural_key(conn, table)
    _ensure_added_columns(conn, table)
    for columns in table.indexes:
        conn.execute(
            sql.SQL("create index if not exists {index} on {raw} ({columns})").format(
                index=sql.Identifier(f"ix_{name}_{'_'.join(columns).strip('_')}"),
                raw=sql.SQL(table.raw_table),
                columns=sql.SQL(", ").join(sql.Identifier(c) for c in columns),
            )
        )


def _ensure_natural_key(conn: psycopg.Connection, table: LedgerTable) -> None:
    """A raw table made by an earlier version may have a narrower key: widen it."""
    current = conn.execute(
        """
        select array_agg(a.attname::text order by k.ord)
        from pg_index i
        cross join unnest(i.indkey) with ordinality as k(attnum, ord)
        join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
        where i.indrelid = %s::regclass and i.indisprimary
        """,
        (table.raw_table,),
    ).fetchone()
    if current is not None and tuple(current[0] or ()) != table.natural_key:
        name = table.raw_table.split(".")[1]
        conn.execute(
            sql.SQL("alter table {raw} drop constraint {pk}, add primary key ({key})").format(
                raw=sql.SQL(table.raw_table),
                pk=sql.Identifier(f"{name}_pkey"),
                key=sql.SQL(", ").join(sql.Identifier(c) for c in table.natural_key),
            )
        )


def _ensure_added_columns(conn: psycopg.Connection, table: LedgerTable) -> None:
    """A raw table made by an earlier version may lack columns added since: add them (nullable,
    so the rows already loaded keep what they had and read as null there). Only missing ones are
    altered: the alter's exclusive lock would otherwise stall readers on every load."""
    if not table.added_columns:
        return
    schema, name = table.raw_table.split(".")
    present = {
        row[0]
        for row in conn.execute(
            "select column_name from information_schema.columns"
            " where table_schema = %s and table_name = %s",
            (schema, name),
        )
    }
    for column, column_type in table.added_columns:
        if column in present:
            continue
        conn.execute(
            sql.SQL("alter table {raw} add column if not exists {column} {type}").format(
                raw=sql.SQL(table.raw_table),
                column=sql.Identifier(column),
                type=sql.SQL(column_type),
            )
        )


def load_ledger(
    ledger_dsn: str,
    warehouse_dsn: str,
    tables: tuple[LedgerTable, ...] = LEDGER_TABLES,
    *,
    token_key: str | None = None,
) -> list[LoadResult]:
    """Load the rows committed since the last load, for every table from one ledger snapshot, so an
    entry never arrives without its merchant. Re-running loads nothing twice: the watermarks and
    the rows commit in one warehouse transaction, and each natural key rejects repeats.
    `token_key` tokenizes documents and contacts (default: `document_token_key()`, asked for
    only when a table needs it)."""
    if token_key is None and any(table.needs_token_key for table in tables):
        token_key = document_token_key()
    with (
        psycopg.connect(warehouse_dsn) as warehouse,
        psycopg.connect(ledger_dsn) as ledger,
    ):
        ensure_raw_schema(warehouse)
        # Repeatable read: the snapshot that yields xmin is also the one every COPY reads.
        ledger.execute("set transaction isolation level repeatable read, read only")
        upper_row = ledger.execute(
            "select pg_snapshot_xmin(pg_current_snapshot())::text"
        ).fetchone()
        assert upper_row is not None
        upper: str = upper_row[0]
        return [_load_table(ledger, warehouse, table, upper, token_key) for table in tables]


def _load_table(
    ledger: psycopg.Connection,
    warehouse: psycopg.Connection,
    table: LedgerTable,
    upper: str,
    token_key: str | None,
) -> LoadResult:
    batch_id = str(uuid.uuid4())
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in table.columns)
    ensure_raw_table(warehouse, table)
    lower = read_watermark(warehouse, table.watermark_source)
    staging_table = sql.Identifier(f"incoming_{table.raw_table.replace('.', '_')}")
    warehouse.execute(
        sql.SQL(
            "create temp table {staging} on commit drop as select {columns} from {raw} limit 0"
        ).format(staging=staging_table, columns=columns, raw=sql.SQL(table.raw_table))
    )
    copy_in = sql.SQL("copy {} ({}) from stdin").format(staging_table, columns)
    if table.rewrite is None:
        rows_read = _copy_plain(ledger, warehouse, _select_new(table, lower, upper), copy_in)
    else:
        rows_read = 0
        if table.rewrite_when is not None:
            plain = _select_new(table, lower, upper, part="plain")
            rows_read = _copy_plain(ledger, warehouse, plain, copy_in)
        select_new = _select_new(table, lower, upper, part="rewritten")
        documents = _copy_rewritten(ledger, warehouse, table, select_new, copy_in, token_key)
        rows_read += documents.rows
        if documents.met:
            ensure_restricted_table(warehouse)
            remember_documents(
                warehouse, documents.met, f"{SOURCE_NAME}:{table.source_table}", batch_id
            )

    # Stamped with this statement's time, not the transaction's: the watermark lock is held by
    # now, so a load that commits after another always carries a later _loaded_at than it, and
    # dbt's incremental models, which read from the newest _loaded_at they have seen, need no
    # margin for loads that commit late.
    inserted = warehouse.execute(
        sql.SQL(
            "insert into {raw} ({columns}, _source, _batch_id, _loaded_at) "
            "select {columns}, %s, %s, statement_timestamp() from {staging} "
            "on conflict ({key}) do nothing"
        ).format(
            raw=sql.SQL(table.raw_table),
            columns=columns,
            staging=staging_table,
            key=sql.SQL(", ").join(sql.Identifier(c) for c in table.natural_key),
        ),
        (SOURCE_NAME, batch_id),
    )
    watermark_to = upper
    if table.watermark == "seq":
        # The last record read, or where the previous load stopped if there is none.
        last = warehouse.execute(
            sql.SQL("select max(seq)::text from {}").format(staging_table)
        ).fetchone()
        watermark_to = (last[0] if last else None) or lower or "0"
    write_watermark(warehouse, table.watermark_source, watermark_to)
    return LoadResult(
        raw_table=table.raw_table,
        batch_id=batch_id,
        rows_read=rows_read,
        rows_loaded=inserted.rowcount,
        watermark_from=lower,
        watermark_to=watermark_to,
    )


def _copy_plain(
    ledger: psycopg.Connection,
    warehouse: psycopg.Connection,
    select_new: sql.Composed,
    copy_in: sql.Composed,
) -> int:
    """Stream the selected rows as they are into the staging table; returns how many."""
    rows = 0
    with (
        ledger.cursor().copy(sql.SQL("copy ({}) to stdout").format(select_new)) as source,
        warehouse.cursor().copy(copy_in) as target,
    ):
        for chunk in source:
            # Text COPY escapes newlines inside values, so each row is exactly one line.
            rows += bytes(chunk).count(b"\n")
            target.write(chunk)
    return rows


def _select_new(
    table: LedgerTable,
    lower: str | None,
    upper: str,
    part: Literal["all", "plain", "rewritten"] = "all",
) -> sql.Composed:
    """The rows of `table` written since the watermark `lower`, as `source_columns`; or, for a
    table that rewrites only the rows matching `rewrite_when`, those rows (part "rewritten") or
    the others as `plain_columns` (part "plain")."""
    names = table.source_columns or table.columns
    columns: sql.Composable = sql.SQL(", ").join(sql.Identifier(c) for c in names)
    condition: sql.Composable = sql.SQL("true")
    if part == "plain":
        assert table.rewrite_when is not None and table.plain_columns is not None
        columns = sql.SQL(", ").join(sql.SQL(c) for c in table.plain_columns)
        condition = sql.SQL("not ({})").format(sql.SQL(table.rewrite_when))
    elif part == "rewritten" and table.rewrite_when is not None:
        condition = sql.SQL(table.rewrite_when)
    if table.watermark == "seq":
        return sql.SQL(
            "select {columns} from {source} where seq > {lower} and {condition} order by seq"
        ).format(
            columns=columns,
            source=sql.SQL(table.source_table),
            lower=sql.Literal(int(lower or 0)),
            condition=condition,
        )
    return sql.SQL(
        "select {columns} from {source}"
        " where {xid} >= {lower}::xid8 and {xid} < {upper}::xid8 and {condition}"
    ).format(
        columns=columns,
        source=sql.SQL(table.source_table),
        xid=sql.Identifier(table.xid_column),
        lower=sql.Literal(lower or "0"),
        upper=sql.Literal(upper),
        condition=condition,
    )


@dataclass(frozen=True)
class _Rewritten:
    rows: int
    met: list[RestrictedDocument]


def _copy_rewritten(
    ledger: psycopg.Connection,
    warehouse: psycopg.Connection,
    table: LedgerTable,
    select_new: sql.Composed,
    copy_in: sql.Composed,
    token_key: str | None,
) -> _Rewritten:
    """Stream the new rows through the table's rewrite into the staging table; returns how many
    were read and the clear documents met (each once)."""
    assert table.rewrite is not None
    if table.needs_token_key and token_key is None:
        raise ValueError(f"{table.source_table} is tokenized: a token key is needed")
    key = token_key or ""
    rows = 0
    met: dict[str, RestrictedDocument] = {}
    # A named cursor reads on the server side, in the snapshot's transaction, batch by batch.
    with (
        ledger.cursor(name=f"read_{table.raw_table.replace('.', '_')}") as source,
        warehouse.cursor().copy(copy_in) as target,
    ):
        source.execute(select_new)
        while batch := source.fetchmany(REWRITE_BATCH_ROWS):
            for row in batch:
                rewritten = table.rewrite(row, key)
                target.write_row(rewritten.row)
                met.update((document.token, document) for document in rewritten.documents)
            rows += len(batch)
    return _Rewritten(rows, list(met.values()))
