"""Reads and writes of the onboarding register."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core_ledger.models import Customer


def get_for_update(session: Session, customer_id: str) -> Customer | None:
    """The customer, locked until the transaction ends, so two updates never interleave."""
    return session.scalars(
        select(Customer).where(Customer.customer_id == customer_id).with_for_update()
    ).one_or_none()


def add(session: Session, values: dict[str, Any]) -> Customer:
    customer = Customer(**values)
    session.add(customer)
    session.flush()
    return customer


def update(session: Session, customer: Customer, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(customer, name, value)
    session.flush()
