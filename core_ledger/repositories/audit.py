"""The audit chain's storage: its head (locked to append) and its records."""

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from core_ledger.models import AuditChainHead, AuditRecord


def lock_head(session: Session) -> tuple[int, bytes]:
    """The last record's seq and hash, locked until this transaction ends: appends to the chain
    happen one transaction at a time, so every record links to the one committed before it."""
    row = session.execute(text("select seq, hash from ledger.audit_chain_head for update")).one()
    return int(row.seq), bytes(row.hash)


def append(session: Session, records: Sequence[dict[str, Any]]) -> None:
    """Insert the records (already hashed, in order) and move the head to the last one."""
    session.execute(insert(AuditRecord), list(records))
    last = records[-1]
    session.execute(
        text("update ledger.audit_chain_head set seq = :seq, hash = :hash"),
        {"seq": last["seq"], "hash": last["hash"]},
    )


def head(session: Session) -> AuditChainHead:
    return session.scalars(select(AuditChainHead)).one()


def records_in_order(session: Session, batch_size: int = 5000) -> Iterator[AuditRecord]:
    """Every record in seq order, read in batches so a long chain streams."""
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
