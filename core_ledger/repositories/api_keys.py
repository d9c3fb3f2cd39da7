"""Reads and writes of API keys."""

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core_ledger.models import ApiKey


def insert(session: Session, values: dict[str, object]) -> ApiKey:
    key = ApiKey(**values)
    session.add(key)
    session.flush()
    return key


def get_active(session: Session, key_id: str) -> ApiKey | None:
    statement = select(ApiKey).where(ApiKey.key_id == key_id, ApiKey.revoked_at.is_(None))
    return session.scalars(statement).one_or_none()


def list_all(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at)))


def revoke(session: Session, key_id: str) -> bool:
    result = session.execute(
        update(ApiKey)
        .where(ApiKey.key_id == key_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
