"""Reads and writes of holds (the pending phase of two-phase transfers)."""

import uuid
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core_ledger.models import Hold


def insert_unless_duplicate(session: Session, values: dict[str, object]) -> Hold | None:
    """None when the tenant already has a hold with this external_id."""
    statement = insert(Hold).values(**values).on_conflict_do_nothing().returning(Hold)
    return session.scalars(statement).one_or_none()


def get(session: Session, hold_id: uuid.UUID) -> Hold | None:
    return session.get(Hold, hold_id)


def lock(session: Session, hold_id: uuid.UUID) -> Hold | None:
    statement = select(Hold).where(Hold.hold_id == hold_id).with_for_update()
    return session.scalars(statement).one_or_none()


def lock_due(session: Session, now: datetime, limit: int) -> list[Hold]:
    """Pending holds past their deadline; ones another transaction is resolving are skipped."""
    statement = (
        select(Hold)
        .where(Hold.status == "pending", Hold.expires_at <= now)
        .order_by(Hold.expires_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(statement))


def resolve(
    session: Session, hold_id: uuid.UUID, status: str, posted_amount_minor: int | None
) -> None:
    session.execute(
        update(Hold)
        .where(Hold.hold_id == hold_id)
        .values(status=status, posted_amount_minor=posted_amount_minor, resolved_at=func.now())
        .execution_options(synchronize_session=False)
    )
