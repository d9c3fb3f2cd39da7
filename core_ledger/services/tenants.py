"""Registering tenants, opening their accounts, and looking both up."""

import uuid
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from core_ledger.access import Actor
from core_ledger.errors import (
    AccountAlreadyExists,
    AccountNotFound,
    TenantAlreadyExists,
    TenantNotFound,
)
from core_ledger.models import Account, Tenant
from core_ledger.pagination import decode_cursor, encode_cursor
from core_ledger.repositories import accounts, outbox, tenants
from core_ledger.services import audit
from core_ledger.services.idempotency import IdempotentRequest, Outcome, run_once

# Every merchant gets these two: its cash (what the ledger holds for it, which never goes below
# zero) and the outside world its lançamentos come from and go to.
CASH_ACCOUNT = "cash"
EXTERNAL_ACCOUNT = "external"


@dataclass(frozen=True)
class NewTenant:
    tenant_id: str
    name: str
    kind: str = "merchant"
    currency: str = "BRL"
    timezone: str = "America/Sao_Paulo"


@dataclass(frozen=True)
class NewAccount:
    code: str
    name: str
    account_type: str
    currency: str | None = None  # the tenant's currency by default
    balance_policy: str | None = None  # never_negative, or unrestricted for system tenants
    overdraft_limit_minor: int = 0


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_cursor: str | None


def register_tenant(
    sessions: sessionmaker[Session],
    actor: Actor,
    new: NewTenant,
    idempotent: IdempotentRequest | None = None,
) -> Outcome[Tenant]:
    actor.require_role("operator", "admin")
    with sessions.begin() as session:
        return run_once(
            session,
            idempotent,
            create=lambda: _insert_tenant(session, actor, new),
            reload=lambda tenant_id: require_tenant(session, tenant_id),
        )


def _insert_tenant(session: Session, actor: Actor, new: NewTenant) -> tuple[Tenant, str]:
    tenant = tenants.insert_if_absent(session, asdict(new))
    if tenant is None:
        raise TenantAlreadyExists(
            f"tenant {new.tenant_id!r} already exists", tenant_id=new.tenant_id
        )
    document = asdict(new)
    changes = [audit.Change("tenant.registered", "tenant", tenant.tenant_id, None, document)]
    if new.kind == "merchant":
        for default in (
            NewAccount(CASH_ACCOUNT, "Caixa", "liability"),
            NewAccount(EXTERNAL_ACCOUNT, "Contrapartida externa", "asset", None, "unrestricted"),
        ):
            account = _insert_account(session, tenant, default)
            changes.append(_account_opened(account))
    outbox.append(
        session,
        [
            {
                "event_type": "tenant.registered",
                "aggregate_id": tenant.tenant_id,
                "payload": document,
            }
        ],
    )
    audit.record(session, actor, changes)
    return tenant, tenant.tenant_id


def get_tenant(sessions: sessionmaker[Session], actor: Actor, tenant_id: str) -> Tenant:
    actor.require_read(tenant_id)
    with sessions() as session:
        return require_tenant(session, tenant_id)


def list_tenants(
    sessions: sessionmaker[Session], actor: Actor, cursor: str | None, limit: int
) -> Page:
    after = decode_cursor(cursor, "tenant_id")["tenant_id"] if cursor else None
    only = None if actor.role != "merchant" else actor.tenant_id or ""
    with sessions() as session:
        items = tenants.list_page(session, after, limit + 1, only)
    if len(items) <= limit:
        return Page(items, None)
    return Page(items[:limit], encode_cursor({"tenant_id": items[limit - 1].tenant_id}))


def require_tenant(session: Session, tenant_id: str) -> Tenant:
    tenant = tenants.get(session, tenant_id)
    if tenant is None:
        raise TenantNotFound(f"no tenant {tenant_id!r}", tenant_id=tenant_id)
    return tenant


def open_account(
    sessions: sessionmaker[Session],
    actor: Actor,
    tenant_id: str,
    new: NewAccount,
    idempotent: IdempotentRequest | None = None,
) -> Outcome[Account]:
    actor.require_role("operator", "admin")

    def create() -> tuple[Account, str]:
        tenant = require_tenant(session, tenant_id)
        account = _insert_account(session, tenant, new)
        audit.record(session, actor, [_account_opened(account)])
        return account, str(account.account_id)

    with sessions.begin() as session:
        return run_once(
            session,
            idempotent,
            create=create,
            reload=lambda account_id: require_account(session, uuid.UUID(account_id)),
        )


def _insert_account(session: Session, tenant: Tenant, new: NewAccount) -> Account:
    default_policy = "unrestricted" if tenant.kind == "system" else "never_negative"
    values = {
        "tenant_id": tenant.tenant_id,
        "code": new.code,
        "name": new.name,
        "currency": new.currency or tenant.currency,
        "account_type": new.account_type,
        "balance_policy": new.balance_policy or default_policy,
        "overdraft_limit_minor": new.overdraft_limit_minor,
    }
    account = accounts.insert_if_absent(session, values)
    if account is None:
        raise AccountAlreadyExists(
            f"tenant {tenant.tenant_id!r} already has a {values['currency']} account {new.code!r}",
        )
    return account


def _account_opened(account: Account) -> audit.Change:
    return audit.Change(
        "account.opened",
        "account",
        str(account.account_id),
        None,
        {
            "account_id": str(account.account_id),
            "tenant_id": account.tenant_id,
            "code": account.code,
            "currency": account.currency,
            "account_type": account.account_type,
            "balance_policy": account.balance_policy,
            "overdraft_limit_minor": account.overdraft_limit_minor,
        },
    )


def get_account(sessions: sessionmaker[Session], actor: Actor, account_id: uuid.UUID) -> Account:
    with sessions() as session:
        return require_account(session, account_id, actor)


def list_accounts(
    sessions: sessionmaker[Session], actor: Actor, tenant_id: str, cursor: str | None, limit: int
) -> Page:
    actor.require_read(tenant_id)
    after = uuid.UUID(decode_cursor(cursor, "account_id")["account_id"]) if cursor else None
    with sessions() as session:
        require_tenant(session, tenant_id)
        items = accounts.list_page(session, tenant_id, after, limit + 1)
    if len(items) <= limit:
        return Page(items, None)
    return Page(items[:limit], encode_cursor({"account_id": str(items[limit - 1].account_id)}))


def require_account(session: Session, account_id: uuid.UUID, actor: Actor | None = None) -> Account:
    """Another tenant's account is reported missing to a merchant: it learns nothing of it."""
    account = accounts.get(session, account_id)
    if account is None or (actor is not None and not actor.can_read(account.tenant_id)):
        raise AccountNotFound(f"no account {account_id}", account_id=str(account_id))
    return account


def require_tenant_account(
    session: Session, tenant_id: str, code: str, currency: str | None = None
) -> Account:
    tenant = require_tenant(session, tenant_id)
    account = accounts.find(session, tenant_id, code, currency or tenant.currency)
    if account is None:
        raise AccountNotFound(
            f"tenant {tenant_id!r} has no {currency or tenant.currency} account {code!r}"
        )
    return account
