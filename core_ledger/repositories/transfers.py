"""Reads and writes of transfers and postings. A batch of posted transfers is written in one
set-based statement."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from core_ledger.counterparty import Counterparty
from core_ledger.double_entry import AccountState
from core_ledger.models import Posting, Transfer
from core_ledger.repositories import accounts, audit, outbox


@dataclass(frozen=True)
class TransferRow:
    transfer_id: uuid.UUID
    tenant_id: str
    currency: str
    kind: str
    reverses_transfer_id: uuid.UUID | None
    hold_id: uuid.UUID | None
    external_id: str | None
    description: str
    category: str | None
    occurred_at: datetime
    counterparty: Counterparty | None = None  # validated


@dataclass(frozen=True)
class PostingRow:
    transfer_id: uuid.UUID
    account_id: uuid.UUID
    direction: str
    amount_minor: int
    balance_after_minor: int
    account_version: int
    occurred_at: datetime


# One statement writes a whole batch of posted transfers: the transfers, their postings, the
# accounts' new totals, the outbox events and the pending audit records. Each statement costs
# the API process more CPU than the database spends on it, so the write path makes one (built
# once: text() scans its SQL for bind parameters each time it is made). Postings are inserted
# only for transfers that were; a transfer that was not (a repeated external_id or reversal)
# makes the caller refuse the batch and roll everything back.
_WRITE_POSTED = text(
    f"""
    with new_transfers as (
        insert into ledger.transfers (transfer_id, tenant_id, currency, kind,
            reverses_transfer_id, hold_id, external_id, description, category, occurred_at,
            counterparty_document, counterparty_name, counterparty_country)
        select * from unnest(cast(:transfer_ids as uuid[]), cast(:tenants as text[]),
            cast(:currencies as text[]), cast(:kinds as text[]), cast(:reverses as uuid[]),
            cast(:holds as uuid[]), cast(:external_ids as text[]),
            cast(:descriptions as text[]), cast(:categories as text[]),
            cast(:transfer_occurred as timestamptz[]),
            cast(:counterparty_documents as text[]), cast(:counterparty_names as text[]),
            cast(:counterparty_countries as text[]))
        on conflict do nothing
        returning transfer_id, created_at
    ), new_postings as (
        insert into ledger.postings (transfer_id, account_id, direction, amount_minor,
            balance_after_minor, account_version, occurred_at)
        select p.* from unnest(cast(:posting_transfers as uuid[]),
            cast(:posting_accounts as uuid[]), cast(:directions as text[]),
            cast(:amounts as bigint[]), cast(:balances as bigint[]),
            cast(:posting_versions as bigint[]), cast(:posting_occurred as timestamptz[]))
            as p(transfer_id, account_id, direction, amount_minor, balance_after_minor,
                 account_version, occurred_at)
        where p.transfer_id in (select transfer_id from new_transfers)
    ), saved_totals as ({accounts.SAVE_TOTALS_SQL}
    ), events as ({outbox.APPEND_SQL}
    ), audit_records as ({audit.APPEND_PENDING_SQL}
    )
    select transfer_id, created_at from new_transfers
    """
)


def write_posted(
    session: Session,
    rows: Sequence[TransferRow],
    postings: Sequence[PostingRow],
    states: Sequence[AccountState],
    events: Sequence[dict[str, Any]],
    audit_records: Sequence[dict[str, Any]],
) -> dict[uuid.UUID, datetime]:
    """Write posted transfers and everything that goes with them (see _WRITE_POSTED); returns
    created_at per inserted transfer. An id missing from the result collided with an existing
    (tenant_id, external_id), or reversed an already reversed transfer."""
    parameters: dict[str, list[Any]] = {
        "transfer_ids": [r.transfer_id for r in rows],
        "tenants": [r.tenant_id for r in rows],
        "currencies": [r.currency for r in rows],
        "kinds": [r.kind for r in rows],
        "reverses": [r.reverses_transfer_id for r in rows],
        "holds": [r.hold_id for r in rows],
        "external_ids": [r.external_id for r in rows],
        "descriptions": [r.description for r in rows],
        "categories": [r.category for r in rows],
        "transfer_occurred": [r.occurred_at for r in rows],
        "counterparty_documents": [
            r.counterparty.document if r.counterparty else None for r in rows
        ],
        "counterparty_names": [r.counterparty.name if r.counterparty else None for r in rows],
        "counterparty_countries": [
            r.counterparty.country if r.counterparty else None for r in rows
        ],
        "posting_transfers": [p.transfer_id for p in postings],
        "posting_accounts": [p.account_id for p in postings],
        "directions": [p.direction for p in postings],
        "amounts": [p.amount_minor for p in postings],
        "balances": [p.balance_after_minor for p in postings],
        "posting_versions": [p.account_version for p in postings],
        "posting_occurred": [p.occurred_at for p in postings],
    }
    parameters |= accounts.totals_parameters(states)
    parameters |= outbox.event_parameters(events)
    parameters |= audit.pending_parameters(audit_records)
    result = session.execute(_WRITE_POSTED, parameters)
    return {row.transfer_id: row.created_at for row in result}


def get(session: Session, transfer_id: uuid.UUID) -> Transfer | None:
    return session.get(Transfer, transfer_id)


def get_many(session: Session, transfer_ids: Sequence[uuid.UUID]) -> list[Transfer]:
    found = {
        t.transfer_id: t
        for t in session.scalars(select(Transfer).where(Transfer.transfer_id.in_(transfer_ids)))
    }
    return [found[i] for i in transfer_ids if i in found]


def find_by_external_id(session: Session, tenant_id: str, external_id: str) -> Transfer | None:
    statement = select(Transfer).where(
        Transfer.tenant_id == tenant_id, Transfer.external_id == external_id
    )
    return session.scalars(statement).one_or_none()


_FIND_BY_EXTERNAL_IDS = text(
    "select t.tenant_id, t.external_id, t.transfer_id from ledger.transfers t"
    " join unnest(cast(:tenants as text[]), cast(:external_ids as text[]))"
    " as k(tenant_id, external_id) using (tenant_id, external_id)"
)


def find_by_external_ids(
    session: Session, keys: set[tuple[str, str]]
) -> dict[tuple[str, str], uuid.UUID]:
    """The transfers, among (tenant_id, external_id) pairs, that exist already."""
    if not keys:
        return {}
    tenants, external_ids = zip(*keys, strict=True)
    rows = session.execute(
        _FIND_BY_EXTERNAL_IDS,
        {"tenants": list(tenants), "external_ids": list(external_ids)},
    )
    return {(row.tenant_id, row.external_id): row.transfer_id for row in rows}


def find_reversal(session: Session, transfer_id: uuid.UUID) -> Transfer | None:
    statement = select(Transfer).where(Transfer.reverses_transfer_id == transfer_id)
    return session.scalars(statement).one_or_none()


def touches_tenant(session: Session, transfer_id: uuid.UUID, tenant_id: str) -> bool:
    """Whether any posting of the transfer is on an account of the tenant."""
    statement = text(
        "select exists (select 1 from ledger.postings p join ledger.accounts a "
        "using (account_id) where p.transfer_id = :transfer_id and a.tenant_id = :tenant_id)"
    )
    return bool(session.scalar(statement, {"transfer_id": transfer_id, "tenant_id": tenant_id}))


def net_before(
    session: Session, account_id: uuid.UUID, occurred_at: datetime, posting_id: int | None = None
) -> tuple[int, int]:
    """(debits, credits) of the account's postings effective before `occurred_at`; given a
    posting id too, those up to and including that statement position."""
    position = Posting.occurred_at < occurred_at
    if posting_id is not None:
        position = func.row(Posting.occurred_at, Posting.posting_id) <= func.row(
            occurred_at, posting_id
        )
    statement = select(
        func.coalesce(func.sum(Posting.amount_minor).filter(Posting.direction == "debit"), 0),
        func.coalesce(func.sum(Posting.amount_minor).filter(Posting.direction == "credit"), 0),
    ).where(Posting.account_id == account_id, position)
    debits, credits = session.execute(statement).one()
    return int(debits), int(credits)


def statement_page(
    session: Session,
    account_id: uuid.UUID,
    start: datetime,
    end: datetime,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[tuple[Posting, Transfer]]:
    """The account's postings effective in [start, end), in (occurred_at, posting_id) order."""
    statement = (
        select(Posting, Transfer)
        .join(Transfer, Transfer.transfer_id == Posting.transfer_id)
        .where(
            Posting.account_id == account_id,
            Posting.occurred_at >= start,
            Posting.occurred_at < end,
        )
        .order_by(Posting.occurred_at, Posting.posting_id)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(
            func.row(Posting.occurred_at, Posting.posting_id) > func.row(*after)
        )
    return [(posting, transfer) for posting, transfer in session.execute(statement).tuples()]


def find_by_hold(session: Session, hold_id: uuid.UUID) -> Transfer | None:
    return session.scalars(select(Transfer).where(Transfer.hold_id == hold_id)).one_or_none()
