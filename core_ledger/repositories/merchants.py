"""Reads and writes of merchants."""

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core_ledger.models import Merchant


def get(session: Session, merchant_id: str) -> Merchant | None:
    return session.get(Merchant, merchant_id)


def insert_if_absent(
    session: Session, merchant_id: str, name: str, currency: str, timezone: str
) -> Merchant | None:
    """Insert the merchant; None when one with this id already exists."""
    statement = (
        insert(Merchant)
        .values(merchant_id=merchant_id, name=name, currency=currency, timezone=timezone)
        .on_conflict_do_nothing(index_elements=[Merchant.merchant_id])
        .returning(Merchant)
    )
    return session.scalars(statement).one_or_none()


def list_all(session: Session) -> list[Merchant]:
    return list(session.scalars(select(Merchant).order_by(Merchant.merchant_id)))
