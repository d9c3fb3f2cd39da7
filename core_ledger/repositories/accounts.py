"""Reads and writes of accounts, including the row locks that serialize postings per account."""

import uuid
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core_ledger.double_entry import AccountState
from core_ledger.models import Account

_STATE_COLUMNS = (
    "account_id, tenant_id, currency, normal_side, balance_policy, overdraft_limit_minor, "
    "posted_debits_minor, posted_credits_minor, pending_debits_minor, pending_credits_minor, "
    "version"
)


def get(session: Session, account_id: uuid.UUID) -> Account | None:
    return session.get(Account, account_id)


def find(session: Session, tenant_id: str, code: str, currency: str) -> Account | None:
    statement = select(Account).where(
        Account.tenant_id == tenant_id, Account.code == code, Account.currency == currency
    )
    return session.scalars(statement).one_or_none()


def insert_if_absent(session: Session, values: dict[str, object]) -> Account | None:
    """Insert the account; None when its tenant already has one with this code and currency."""
    statement = (
        insert(Account)
        .values(account_id=uuid.uuid4(), **values)
        .on_conflict_do_nothing(index_elements=[Account.tenant_id, Account.code, Account.currency])
        .returning(Account)
    )
    return session.scalars(statement).one_or_none()


def list_page(
    session: Session, tenant_id: str, after: uuid.UUID | None, limit: int
) -> list[Account]:
    statement = (
        select(Account)
        .where(Account.tenant_id == tenant_id)
        .order_by(Account.account_id)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(Account.account_id > after)
    return list(session.scalars(statement))


# Write-path statements are built once: text() scans its SQL for bind parameters each time it
# is constructed, which cost a measurable share of a transfer's CPU.
_LOCK_ACCOUNTS = text(
    f"select {_STATE_COLUMNS} from ledger.accounts "
    "where account_id = any(:ids) order by account_id for update"
)


def lock(session: Session, account_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, AccountState]:
    """Lock the accounts' rows until the transaction ends, always in id order so that two
    transfers over the same accounts queue instead of deadlocking. Missing ids are absent."""
    rows = session.execute(
        _LOCK_ACCOUNTS,
        {"ids": sorted(account_ids)},
    )
    return {row.account_id: AccountState(**row._mapping) for row in rows}


# Also part of the transfer write (repositories.transfers.write_posted).
SAVE_TOTALS_SQL = """
    update ledger.accounts as a
    set posted_debits_minor = s.posted_debits,
        posted_credits_minor = s.posted_credits,
        pending_debits_minor = s.pending_debits,
        pending_credits_minor = s.pending_credits,
        version = s.version
    from unnest(cast(:account_ids as uuid[]), cast(:posted_debits as bigint[]),
                cast(:posted_credits as bigint[]), cast(:pending_debits as bigint[]),
                cast(:pending_credits as bigint[]), cast(:account_versions as bigint[]))
         as s(account_id, posted_debits, posted_credits, pending_debits,
              pending_credits, version)
    where a.account_id = s.account_id
"""
_SAVE_TOTALS = text(SAVE_TOTALS_SQL)


def save(session: Session, states: Iterable[AccountState]) -> None:
    """Write the new totals and versions of accounts this transaction holds locked."""
    changed = list(states)
    if changed:
        session.execute(_SAVE_TOTALS, totals_parameters(changed))


def totals_parameters(states: Iterable[AccountState]) -> dict[str, list[Any]]:
    changed = list(states)
    return {
        "account_ids": [s.account_id for s in changed],
        "posted_debits": [s.posted_debits_minor for s in changed],
        "posted_credits": [s.posted_credits_minor for s in changed],
        "pending_debits": [s.pending_debits_minor for s in changed],
        "pending_credits": [s.pending_credits_minor for s in changed],
        "account_versions": [s.version for s in changed],
    }
