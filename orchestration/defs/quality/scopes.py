"""Which rows a quality check reads: the latest load of a raw table, the rows a mart's latest run
wrote, or the days a run rebuilt.

A check never scans a whole table. Every load writes its rows in one transaction, so they share
one `_loaded_at` (the transaction's `now()`), which an index on each raw table finds in O(rows of
that load); fct_bank_reconciliation stamps the rows a run matches with the run's start
(`reconciled_at`, indexed) in the same way. The other marts are read from the earliest business
day the latest loads touched. Each scope is pinned (its stamp or first day read once, then
written into the query as a literal) so the rows checked cannot move while they are read.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

import psycopg
from psycopg import sql

# Raw tables whose latest load can change a mart's days, and the São Paulo date column of each.
LEDGER_POSTING_DAYS = ("staging.stg_ledger__postings", "business_date", "raw.ledger_postings")
OPENFINANCE_DAYS = ("raw.openfinance_transactions", "booking_date", "raw.openfinance_transactions")
STATEMENT_DAYS = ("raw.statement_lines", "posted_date", "raw.statement_lines")


@dataclass(frozen=True)
class Scope:
    """The rows a check reads, and what identifies them across evaluations."""

    query: sql.Composed
    description: str
    # Two evaluations with the same identity read the same rows (a re-run that loaded nothing).
    identity: str
    metadata: dict[str, str] = field(default_factory=dict)


def latest_loaded_at(
    conn: psycopg.Connection, table: str, stamp: str = "_loaded_at"
) -> datetime | None:
    row = conn.execute(
        sql.SQL("select max({}) from {}").format(sql.Identifier(stamp), sql.SQL(table))
    ).fetchone()
    return row[0] if row else None


def latest_load(
    conn: psycopg.Connection, table: str, columns: tuple[str, ...], stamp: str = "_loaded_at"
) -> Scope:
    """The rows of the table's most recent load: those with the newest `stamp`, the time each
    load (or run) writes on all its rows. A run that loaded nothing new leaves the previous load
    as the latest, which is then read again (same identity)."""
    loaded_at = latest_loaded_at(conn, table, stamp)
    selected = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    if loaded_at is None:
        return Scope(
            query=sql.SQL("select {} from {} where false").format(selected, sql.SQL(table)),
            description=f"{table}: no rows loaded yet",
            identity="empty",
        )
    return Scope(
        query=sql.SQL("select {} from {} where {} = {}").format(
            selected, sql.SQL(table), sql.Identifier(stamp), sql.Literal(loaded_at)
        ),
        description=f"{table}: rows of the latest load ({stamp} = {loaded_at.isoformat()})",
        identity=loaded_at.isoformat(),
        metadata={stamp.removeprefix("_"): loaded_at.isoformat()},
    )


def earliest_touched_day(
    conn: psycopg.Connection, sources: tuple[tuple[str, str, str], ...]
) -> date | None:
    """The earliest business day among the rows of each source's latest load: a mart rebuilt from
    those loads changes on that day or later."""
    days: list[date] = []
    for relation, day_column, raw_table in sources:
        loaded_at = latest_loaded_at(conn, raw_table)
        if loaded_at is None:
            continue
        row = conn.execute(
            sql.SQL("select min({day}) from {relation} where _loaded_at = {loaded_at}").format(
                day=sql.Identifier(day_column),
                relation=sql.SQL(relation),
                loaded_at=sql.Literal(loaded_at),
            )
        ).fetchone()
        if row and row[0] is not None:
            days.append(row[0])
    return min(days, default=None)


def rebuilt_days(
    conn: psycopg.Connection,
    mart: str,
    columns: tuple[str, ...],
    sources: tuple[tuple[str, str, str], ...],
    *,
    per_account: bool = False,
) -> Scope:
    """The mart's rows from the earliest business day the sources' latest loads touched.

    `per_account` reads the rows account by account through the mart's (account_id,
    business_date) index, so the cost is accounts x days read, not the table's size."""
    first_day = earliest_touched_day(conn, sources)
    selected = sql.SQL(", ").join(sql.Identifier("m", c) for c in columns)
    if first_day is None:
        return Scope(
            query=sql.SQL("select {} from {} as m where false").format(selected, sql.SQL(mart)),
            description=f"{mart}: no load has touched any day yet",
            identity="empty",
        )
    if per_account:
        query = sql.SQL(
            "select {selected} from raw.ledger_accounts as a cross join lateral"
            " (select * from {mart} as f where f.account_id = a.account_id"
            "  and f.business_date >= {first_day}) as m"
        ).format(selected=selected, mart=sql.SQL(mart), first_day=sql.Literal(first_day))
    else:
        query = sql.SQL("select {selected} from {mart} as m where m.business_date >= {day}").format(
            selected=selected, mart=sql.SQL(mart), day=sql.Literal(first_day)
        )
    sources_loaded = ",".join(
        (loaded_at.isoformat() if (loaded_at := latest_loaded_at(conn, raw)) else "none")
        for _, _, raw in sources
    )
    return Scope(
        query=query,
        description=f"{mart}: business days from {first_day.isoformat()}, the earliest day the "
        "latest loads touched",
        identity=f"{first_day.isoformat()}|{sources_loaded}",
        metadata={"first_business_date": first_day.isoformat()},
    )
