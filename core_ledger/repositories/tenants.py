"""Reads and writes of tenants."""

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core_ledger.models import Tenant


def get(session: Session, tenant_id: str) -> Tenant | None:
    return session.get(Tenant, tenant_id)


def insert_if_absent(session: Session, values: dict[str, object]) -> Tenant | None:
    """Insert the tenant; None when one with this id already exists."""
    statement = (
        insert(Tenant)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[Tenant.tenant_id])
        .returning(Tenant)
    )
    return session.scalars(statement).one_or_none()


def list_page(
    session: Session, after: str | None, limit: int, only: str | None = None
) -> list[Tenant]:
    """Tenants in id order after the cursor; `only` limits the page to that one tenant."""
    statement = select(Tenant).order_by(Tenant.tenant_id).limit(limit)
    if after is not None:
        statement = statement.where(Tenant.tenant_id > after)
    if only is not None:
        statement = statement.where(Tenant.tenant_id == only)
    return list(session.scalars(statement))
