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

import psycopg
from psycopg import sql

from ingestion.ledger.tables import LEDGER_TABLES, LedgerTable
from ingestion.warehouse import ensure_raw_schema, read_watermark, write_watermark

SOURCE_NAME = "ledger"


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
    _ensure_natural_key(conn, table)
    name = table.raw_table.split(".")[1]
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


def load_ledger(
    ledger_dsn: str, warehouse_dsn: str, tables: tuple[LedgerTable, ...] = LEDGER_TABLES
) -> list[LoadResult]:
    """Load the rows committed since the last load, for every table from one ledger snapshot, so an
    entry never arrives without its merchant. Re-running loads nothing twice: the watermarks and
    the rows commit in one warehouse transaction, and each natural key rejects repeats."""
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
        return [_load_table(ledger, warehouse, table, upper) for table in tables]


def _load_table(
    ledger: psycopg.Connection, warehouse: psycopg.Connection, table: LedgerTable, upper: str
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
    select_new = sql.SQL(
        "select {columns} from {source} "
        "where created_xid >= {lower}::xid8 and created_xid < {upper}::xid8"
    ).format(
        columns=columns,
        source=sql.SQL(table.source_table),
        lower=sql.Literal(lower or "0"),
        upper=sql.Literal(upper),
    )
    rows_read = 0
    with (
        ledger.cursor().copy(sql.SQL("copy ({}) to stdout").format(select_new)) as source,
        warehouse.cursor().copy(
            sql.SQL("copy {} ({}) from stdin").format(staging_table, columns)
        ) as target,
    ):
        for chunk in source:
            # Text COPY escapes newlines inside values, so each row is exactly one line.
            rows_read += bytes(chunk).count(b"\n")
            target.write(chunk)

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
    write_watermark(warehouse, table.watermark_source, upper)
    return LoadResult(
        raw_table=table.raw_table,
        batch_id=batch_id,
        rows_read=rows_read,
        rows_loaded=inserted.rowcount,
        watermark_from=lower,
        watermark_to=upper,
    )
