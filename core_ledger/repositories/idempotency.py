"""Reads and writes of idempotency records."""

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core_ledger.models import IdempotencyRecord


def insert_if_absent(session: Session, key: str, method: str, path: str, fingerprint: str) -> bool:
    """Claim the key. While another transaction holds the same key uncommitted, this waits for it
    (the unique index makes it), so concurrent requests with one key run one after the other."""
    statement = (
        insert(IdempotencyRecord)
        .values(idempotency_key=key, method=method, path=path, request_fingerprint=fingerprint)
        .on_conflict_do_nothing(index_elements=[IdempotencyRecord.idempotency_key])
        .returning(IdempotencyRecord.idempotency_key)
    )
    return session.scalar(statement) is not None


def get(session: Session, key: str) -> IdempotencyRecord | None:
    statement = select(IdempotencyRecord).where(IdempotencyRecord.idempotency_key == key)
    return session.scalars(statement).one_or_none()


def set_outcome(session: Session, key: str, resource_id: str) -> None:
    session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.idempotency_key == key)
        .values(resource_id=resource_id)
    )
