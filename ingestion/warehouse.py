"""The warehouse's `raw` layer: its schema, load watermarks, and the bookkeeping of each load."""

from collections.abc import Sequence
from dataclasses import dataclass

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

-- Records that failed validation, one row per record and reason, from every source.
create table if not exists raw._quarantine (
    quarantine_id  bigint generated always as identity primary key,
    source         text not null,
    batch_id       uuid not null,
    record_key     text not null,
    payload        text not null,
    reason         text not null,
    quarantined_at timestamptz not null default now(),
    unique (source, record_key)
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


@dataclass(frozen=True)
class RejectedRecord:
    """A source record that failed validation: kept whole, with why, never dropped."""

    record_key: str  # the natural key when it could be read, else a checksum of the payload
    payload: str  # the record as received (JSON text, an OFX fragment, a CSV line)
    reason: str


class TooManyRejected(Exception):
    """More of a batch failed validation than the source tolerates; nothing of it was loaded."""


def quarantine(
    conn: psycopg.Connection, source: str, batch_id: str, rejected: Sequence[RejectedRecord]
) -> int:
    """Keep rejected records with their reason, in the caller's transaction, so they commit with
    the batch they came from (`ensure_raw_schema` makes the table). A record that an earlier run
    of the same load quarantined is not repeated. Returns how many were newly quarantined."""
    if not rejected:
        return 0
    with conn.cursor() as cursor:
        cursor.executemany(
            "insert into raw._quarantine (source, batch_id, record_key, payload, reason)"
            " values (%s, %s, %s, %s, %s) on conflict (source, record_key) do nothing"
            " returning quarantine_id",
            [(source, batch_id, r.record_key, r.payload, r.reason) for r in rejected],
            returning=True,
        )
        inserted = 0
        while True:
            inserted += len(cursor.fetchall())
            if not cursor.nextset():
                return inserted


def check_error_rate(source: str, rejected: int, total: int, max_rate: float) -> None:
    """Fail the load when the share of rejected records passes what the source tolerates."""
    if total and rejected / total > max_rate:
        raise TooManyRejected(
            f"{source}: {rejected} of {total} records failed validation "
            f"({rejected / total:.1%} > {max_rate:.1%} allowed); see raw._quarantine"
        )
