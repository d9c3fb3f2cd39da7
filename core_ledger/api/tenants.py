"""Routes for tenants and the accounts they own."""

from fastapi import APIRouter, Response, status

from core_ledger.api.dependencies import (
    CurrentActor,
    Cursor,
    Idempotency,
    Limit,
    Sessions,
    mark_replay,
)
from core_ledger.api.presenters import account_public, tenant_public
from core_ledger.api.schemas import (
    AccountCreate,
    AccountPage,
    AccountPublic,
    TenantCreate,
    TenantPage,
    TenantPublic,
)
from core_ledger.money import parse_amount
from core_ledger.pagination import DEFAULT_PAGE_SIZE
from core_ledger.services import tenants

router = APIRouter(prefix="/v1/tenants", tags=["tenants"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TenantPublic)
def register_tenant(
    body: TenantCreate,
    sessions: Sessions,
    actor: CurrentActor,
    idempotent: Idempotency,
    response: Response,
) -> TenantPublic:
    """Operators and admins; a merchant tenant gets its cash and external accounts."""
    registered = tenants.register_tenant(
        sessions, actor, tenants.NewTenant(**body.model_dump()), idempotent
    )
    mark_replay(response, registered.replayed)
    response.headers["Location"] = f"/v1/tenants/{registered.value.tenant_id}"
    return tenant_public(registered.value)


@router.get("", response_model=TenantPage)
def list_tenants(
    sessions: Sessions, actor: CurrentActor, cursor: Cursor = None, limit: Limit = DEFAULT_PAGE_SIZE
) -> TenantPage:
    """Every tenant the caller may see (a merchant sees only its own)."""
    page = tenants.list_tenants(sessions, actor, cursor, limit)
    return TenantPage(items=[tenant_public(t) for t in page.items], next_cursor=page.next_cursor)


@router.get("/{tenant_id}", response_model=TenantPublic)
def get_tenant(tenant_id: str, sessions: Sessions, actor: CurrentActor) -> TenantPublic:
    return tenant_public(tenants.get_tenant(sessions, actor, tenant_id))


@router.post(
    "/{tenant_id}/accounts", status_code=status.HTTP_201_CREATED, response_model=AccountPublic
)
def open_account(
    tenant_id: str,
    body: AccountCreate,
    sessions: Sessions,
    actor: CurrentActor,
    idempotent: Idempotency,
    response: Response,
) -> AccountPublic:
    new = tenants.NewAccount(
        code=body.code,
        name=body.name,
        account_type=body.type,
        currency=body.currency,
        balance_policy=body.balance_policy,
        overdraft_limit_minor=parse_amount(body.overdraft_limit) if body.overdraft_limit else 0,
    )
    opened = tenants.open_account(sessions, actor, tenant_id, new, idempotent)
    mark_replay(response, opened.replayed)
    response.headers["Location"] = f"/v1/accounts/{opened.value.account_id}"
    return account_public(opened.value)


@router.get("/{tenant_id}/accounts", response_model=AccountPage)
def list_accounts(
    tenant_id: str,
    sessions: Sessions,
    actor: CurrentActor,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
) -> AccountPage:
    page = tenants.list_accounts(sessions, actor, tenant_id, cursor, limit)
    return AccountPage(items=[account_public(a) for a in page.items], next_cursor=page.next_cursor)
