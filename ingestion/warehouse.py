"""The warehouse's `raw` layer: its schema, load watermarks, and the bookkeeping of each load."""

import psycopg

RAW_SCHEMA_DDL = """
create schema if not exists raw;
create schema if not exists staging;
create schema if not exists intermediate;
create schema if not exists marts;

create table if not exists raw._load_watermarks (
    source      text primary key,
    watermark   text not null,
    updated_at  timestamptz not null default now()
);
"""


def ensure_raw_schema(conn: psycopg.Connection) -> None:
    conn.execute(RAW_SCHEMA_DDL)


def read_watermark(conn: psycopg.Connection, source: str) -> str | None:
    """The source's watermark, locked until this transaction ends so two loads cannot interleave."""
    conn.execute(
        "insert into raw._load_watermarks (source, watermark) values (%s, '') "
        "on conflict (source) do nothing",
        (source,),
    )
    row = conn.execute(
        "select watermark from raw._load_watermarks where source = %s for update", (source,)
    ).fetchone()
    assert row is not None
    return row[0] or None


def write_watermark(conn: psycopg.Connection, source: str, watermark: str) -> None:
    conn.execute(
        "update raw._load_watermarks set watermark = %s, updated_at = now() where source = %s",
        (watermark, source),
    )


def current_watermark(conn: psycopg.Connection, source: str) -> str | None:
    """The source's watermark without locking, for readers that reconcile against it."""
    row = conn.execute(
        "select watermark from raw._load_watermarks where source = %s", (source,)
    ).fetchone()
    return row[0] if row and row[0] else None
