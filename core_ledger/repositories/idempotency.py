"""Reads and writes of idempotency records."""

from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core_ledger.models import IdempotencyRecord


def insert_if_absent(
    session: Session, principal: str, key: str, method: str, path: str, fingerprint: str
) -> bool:
    """Claim the key. While another transaction holds the same key uncommitted, this waits for it
    (the unique index makes it), so concurrent requests with one key run one after the other."""
    statement = (
        insert(IdempotencyRecord)
        .values(
            principal=principal,
            idempotency_key=key,
            method=method,
            path=path,
            request_fingerprint=fingerprint,
        )
        .on_conflict_do_nothing(
            index_elements=[IdempotencyRecord.principal, IdempotencyRecord.idempotency_key]
        )
        .returning(IdempotencyRecord.idempotency_key)
    )
    return session.scalar(statement) is not None


def get(session: Session, principal: str, key: str) -> IdempotencyRecord | None:
    return session.get(IdempotencyRecord, (principal, key))


def set_outcome(session: Session, principal: str, key: str, resource_id: str) -> None:
    session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.principal == principal, IdempotencyRecord.idempotency_key == key)
        .values(resource_id=resource_id)
    )


def delete_older_than(session: Session, moment: datetime) -> int:
    result = session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < moment))
    return int(result.rowcount)  # type: ignore[attr-defined]
