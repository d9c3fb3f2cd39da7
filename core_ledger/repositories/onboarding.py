"""Reads and writes of the onboarding register: customers and merchants' bank accounts."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core_ledger.models import Customer, MerchantBankAccount


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


def add_bank_account_if_absent(
    session: Session, values: dict[str, Any]
) -> MerchantBankAccount | None:
    """Register the account; None when it is registered already (to whichever merchant). A
    concurrent registration of the same account waits on the key, then finds it there."""
    statement = (
        insert(MerchantBankAccount)
        .values(**values)
        .on_conflict_do_nothing(
            index_elements=[MerchantBankAccount.source, MerchantBankAccount.bank_account_id]
        )
        .returning(MerchantBankAccount)
    )
    return session.scalars(statement).one_or_none()


def get_bank_account(
    session: Session, source: str, bank_account_id: str
) -> MerchantBankAccount | None:
    return session.get(MerchantBankAccount, (source, bank_account_id))


def bank_accounts_of(session: Session, merchant_id: str) -> list[MerchantBankAccount]:
    return list(
        session.scalars(
            select(MerchantBankAccount)
            .where(MerchantBankAccount.merchant_id == merchant_id)
            .order_by(MerchantBankAccount.source, MerchantBankAccount.bank_account_id)
        )
    )
