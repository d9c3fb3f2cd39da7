"""Merchants and their lançamentos: the foundation API, kept on the double-entry model.

A merchant is a tenant of kind 'merchant'. A credit entry is a transfer from its external
counter account into its cash account; a debit entry goes the other way. Its daily balances are
those of its cash account."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session, sessionmaker

from core_ledger.access import Actor
from core_ledger.counterparty import Counterparty
from core_ledger.double_entry import Leg
from core_ledger.errors import (
    CurrencyMismatch,
    DuplicateExternalId,
    EntryNotFound,
    MerchantAlreadyExists,
    MerchantNotFound,
    TenantAlreadyExists,
)
from core_ledger.models import Account, Tenant
from core_ledger.repositories import tenants as tenant_rows
from core_ledger.repositories import transfers as transfer_rows
from core_ledger.services import balances, tenants
from core_ledger.services.idempotency import IdempotentRequest, Outcome, run_once
from core_ledger.services.transfers import NewTransfer, TransferView, apply_transfers, view


@dataclass(frozen=True)
class NewMerchant:
    merchant_id: str
    name: str
    currency: str = "BRL"
    timezone: str = "America/Sao_Paulo"


@dataclass(frozen=True)
class NewEntry:
    entry_type: str  # "credit" (money in) or "debit" (money out)
    amount_minor: int
    occurred_at: datetime
    description: str
    category: str
    currency: str | None = None
    external_id: str | None = None
    counterparty: Counterparty | None = None  # as given: the transfer validates it


@dataclass(frozen=True)
class EntryView:
    entry_id: uuid.UUID
    merchant_id: str
    entry_type: str
    amount_minor: int
    currency: str
    occurred_at: datetime
    description: str
    category: str
    external_id: str | None
    counterparty: Counterparty | None
    created_at: datetime


def register_merchant(
    sessions: sessionmaker[Session],
    actor: Actor,
    new: NewMerchant,
    idempotent: IdempotentRequest | None = None,
) -> Outcome[Tenant]:
    tenant = tenants.NewTenant(new.merchant_id, new.name, "merchant", new.currency, new.timezone)
    try:
        return tenants.register_tenant(sessions, actor, tenant, idempotent)
    except TenantAlreadyExists as error:
        raise MerchantAlreadyExists(error.detail, merchant_id=new.merchant_id) from error


def get_merchant(sessions: sessionmaker[Session], actor: Actor, merchant_id: str) -> Tenant:
    actor.require_read(merchant_id)
    with sessions() as session:
        return require_merchant(session, merchant_id)


def record_entry(
    sessions: sessionmaker[Session],
    actor: Actor,
    merchant_id: str,
    new: NewEntry,
    idempotent: IdempotentRequest | None = None,
) -> Outcome[EntryView]:
    actor.require_write(merchant_id)

    def create() -> tuple[EntryView, str]:
        merchant = require_merchant(session, merchant_id)
        currency = new.currency or merchant.currency
        if currency != merchant.currency:
            raise CurrencyMismatch(
                f"merchant {merchant_id!r} keeps its books in {merchant.currency}, not {currency}"
            )
        cash, external = _cash_and_external(session, merchant)
        into_cash = new.entry_type == "credit"
        legs = (
            Leg(external.account_id, "debit" if into_cash else "credit", new.amount_minor),
            Leg(cash.account_id, "credit" if into_cash else "debit", new.amount_minor),
        )
        transfer = NewTransfer(
            legs=legs,
            description=new.description,
            currency=currency,
            category=new.category,
            occurred_at=new.occurred_at,
            external_id=new.external_id,
            tenant_id=merchant_id,
            counterparty=new.counterparty,
        )
        try:
            posted = apply_transfers(session, actor, [transfer])[0]
        except DuplicateExternalId as error:
            # In this API the original is an entry: point to it by that name.
            original = error.extensions.get("transfer_id")
            raise DuplicateExternalId(error.detail, entry_id=original) from error
        return _entry(posted, merchant_id, cash), str(posted.transfer_id)

    def reload(entry_id: str) -> EntryView:
        return _require_entry(session, merchant_id, uuid.UUID(entry_id))

    with sessions.begin() as session:
        return run_once(session, idempotent, create=create, reload=reload)


def get_entry(
    sessions: sessionmaker[Session], actor: Actor, merchant_id: str, entry_id: uuid.UUID
) -> EntryView:
    actor.require_read(merchant_id)
    with sessions() as session:
        require_merchant(session, merchant_id)
        return _require_entry(session, merchant_id, entry_id)


def daily_balances(
    sessions: sessionmaker[Session],
    actor: Actor,
    merchant_id: str,
    first: date | None,
    last: date | None,
) -> balances.DailyBalances:
    actor.require_read(merchant_id)
    with sessions() as session:
        merchant = require_merchant(session, merchant_id)
        cash, _ = _cash_and_external(session, merchant)
    return balances.daily_balances(sessions, actor, cash.account_id, first, last)


def require_merchant(session: Session, merchant_id: str) -> Tenant:
    tenant = tenant_rows.get(session, merchant_id)
    if tenant is None or tenant.kind != "merchant":
        raise MerchantNotFound(f"no merchant {merchant_id!r}", merchant_id=merchant_id)
    return tenant


def _cash_and_external(session: Session, merchant: Tenant) -> tuple[Account, Account]:
    return (
        tenants.require_tenant_account(session, merchant.tenant_id, tenants.CASH_ACCOUNT),
        tenants.require_tenant_account(session, merchant.tenant_id, tenants.EXTERNAL_ACCOUNT),
    )


def _require_entry(session: Session, merchant_id: str, entry_id: uuid.UUID) -> EntryView:
    transfer = transfer_rows.get(session, entry_id)
    merchant = require_merchant(session, merchant_id)
    cash, _ = _cash_and_external(session, merchant)
    if transfer is None or all(p.account_id != cash.account_id for p in transfer.postings):
        raise EntryNotFound(f"merchant {merchant_id!r} has no entry {entry_id}")
    return _entry(view(transfer), merchant_id, cash)


def _entry(transfer: TransferView, merchant_id: str, cash: Account) -> EntryView:
    leg = next(p for p in transfer.postings if p.account_id == cash.account_id)
    return EntryView(
        entry_id=transfer.transfer_id,
        merchant_id=merchant_id,
        entry_type=leg.direction,
        amount_minor=leg.amount_minor,
        currency=transfer.currency,
        occurred_at=transfer.occurred_at,
        description=transfer.description,
        category=transfer.category or "",
        external_id=transfer.external_id,
        counterparty=transfer.counterparty,
        created_at=transfer.created_at,
    )
