"""Reads and writes of credit and debit entries, including the per-day totals behind balances."""

import uuid
from datetime import date, datetime

from sqlalchemy import Date, case, cast, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core_ledger.consolidation import DayTotals
from core_ledger.models import Entry


def insert_unless_duplicate(session: Session, values: dict[str, object]) -> Entry | None:
    """Insert the entry; None when the merchant already has one with this external_id."""
    statement = (
        insert(Entry)
        .values(entry_id=uuid.uuid4(), **values)
        .on_conflict_do_nothing(index_elements=[Entry.merchant_id, Entry.external_id])
        .returning(Entry)
    )
    return session.scalars(statement).one_or_none()


def get(session: Session, merchant_id: str, entry_id: uuid.UUID) -> Entry | None:
    statement = select(Entry).where(Entry.merchant_id == merchant_id, Entry.entry_id == entry_id)
    return session.scalars(statement).one_or_none()


def get_by_external_id(session: Session, merchant_id: str, external_id: str) -> Entry | None:
    statement = select(Entry).where(
        Entry.merchant_id == merchant_id, Entry.external_id == external_id
    )
    return session.scalars(statement).one_or_none()


def balance_before(session: Session, merchant_id: str, moment: datetime) -> int:
    signed_amount = case(
        (Entry.entry_type == "credit", Entry.amount_minor), else_=-Entry.amount_minor
    )
    statement = select(func.coalesce(func.sum(signed_amount), 0)).where(
        Entry.merchant_id == merchant_id, Entry.occurred_at < moment
    )
    return int(session.scalar(statement) or 0)


def totals_by_business_day(
    session: Session, merchant_id: str, timezone: str, start: datetime, end: datetime
) -> dict[date, DayTotals]:
    """Credit and debit totals per business day (the date in `timezone`) for [start, end)."""
    business_date = cast(func.timezone(timezone, Entry.occurred_at), Date).label("business_date")
    is_credit = Entry.entry_type == "credit"
    statement = (
        select(
            business_date,
            func.sum(case((is_credit, Entry.amount_minor), else_=0)),
            func.sum(case((is_credit, 0), else_=Entry.amount_minor)),
            func.count().filter(is_credit),
            func.count().filter(~is_credit),
        )
        .where(
            Entry.merchant_id == merchant_id,
            Entry.occurred_at >= start,
            Entry.occurred_at < end,
        )
        .group_by(business_date)
    )
    return {
        row[0]: DayTotals(int(row[1]), int(row[2]), int(row[3]), int(row[4]))
        for row in session.execute(statement)
    }
