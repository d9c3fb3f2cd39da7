"""The audit log's storage: pending records, the sealed chain, and its head (locked to seal)."""

import json
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from core_ledger.models import AuditChainHead, AuditRecord, PendingAuditRecord

CONTENT_COLUMNS = (
    "recorded_at, principal, action, request_id, entity_type, entity_id, before, after"
)


# The pending insert, also part of the transfer write (repositories.transfers.write_posted).
# Statements are built once: text() scans its SQL for bind parameters each time it is made.
APPEND_PENDING_SQL = (
    f"insert into ledger.audit_pending ({CONTENT_COLUMNS}) select * from unnest("
    "cast(:recorded_at as timestamptz[]), cast(:principal as text[]),"
    " cast(:action as text[]), cast(:request_id as text[]),"
    " cast(:entity_type as text[]), cast(:entity_id as text[]),"
    " cast(:before as text[])::jsonb[], cast(:after as text[])::jsonb[])"
)
_APPEND_PENDING = text(APPEND_PENDING_SQL)


def append_pending(session: Session, records: Sequence[dict[str, Any]]) -> None:
    """Queue records for sealing; no lock is taken, so writers never wait on each other here."""
    session.execute(_APPEND_PENDING, pending_parameters(records))


def pending_parameters(records: Sequence[dict[str, Any]]) -> dict[str, list[Any]]:
    return _columns(records, CONTENT_COLUMNS.split(", "))


def lock_head(session: Session) -> tuple[int, bytes]:
    """The last sealed record's seq and hash, locked until this transaction ends: one sealer at
    a time extends the chain."""
    row = session.execute(text("select seq, hash from ledger.audit_chain_head for update")).one()
    return int(row.seq), bytes(row.hash)


def take_pending(session: Session, limit: int) -> list[PendingAuditRecord]:
    """Remove up to `limit` committed pending records, oldest first, and return them. Call it
    holding the head's lock: the statement then sees whatever an earlier sealer already took."""
    rows = session.execute(
        text(
            "delete from ledger.audit_pending where pending_id in (select pending_id"
            " from ledger.audit_pending order by pending_id limit :limit)"
            f" returning pending_id, {CONTENT_COLUMNS}"
        ),
        {"limit": limit},
    )
    return sorted((PendingAuditRecord(**row._mapping) for row in rows), key=lambda r: r.pending_id)


def append_sealed(session: Session, records: Sequence[dict[str, Any]]) -> None:
    """Insert the records (already hashed, in order) and move the head to the last one."""
    session.execute(
        text(
            f"insert into ledger.audit_log (seq, prev_hash, hash, {CONTENT_COLUMNS})"
            " select * from unnest(cast(:seq as bigint[]), cast(:prev_hash as bytea[]),"
            " cast(:hash as bytea[]), cast(:recorded_at as timestamptz[]),"
            " cast(:principal as text[]), cast(:action as text[]), cast(:request_id as text[]),"
            " cast(:entity_type as text[]), cast(:entity_id as text[]),"
            " cast(:before as text[])::jsonb[], cast(:after as text[])::jsonb[])"
        ),
        _columns(records, ["seq", "prev_hash", "hash", *CONTENT_COLUMNS.split(", ")]),
    )
    last = records[-1]
    session.execute(
        text("update ledger.audit_chain_head set seq = :seq, hash = :hash"),
        {"seq": last["seq"], "hash": last["hash"]},
    )


def pending_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(PendingAuditRecord)) or 0)


def head(session: Session) -> AuditChainHead:
    return session.scalars(select(AuditChainHead)).one()


def records_in_order(session: Session, batch_size: int = 5000) -> Iterator[AuditRecord]:
    """Every sealed record in seq order, read in batches so a long chain streams."""
    last_seq = 0
    while True:
        batch = list(
            session.scalars(
                select(AuditRecord)
                .where(AuditRecord.seq > last_seq)
                .order_by(AuditRecord.seq)
                .limit(batch_size)
            )
        )
        if not batch:
            return
        yield from batch
        last_seq = batch[-1].seq
        session.expunge_all()


def _columns(records: Sequence[dict[str, Any]], names: Sequence[str]) -> dict[str, list[Any]]:
    """One array per column for an unnest insert; before and after go as JSON text."""
    arrays = {name: [r[name] for r in records] for name in names}
    for name in ("before", "after"):
        arrays[name] = [None if v is None else json.dumps(v) for v in arrays[name]]
    return arrays
