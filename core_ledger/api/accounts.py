"""Routes for an account: its figures, balances (current and as of), statement, daily balances."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from core_ledger.api.dependencies import CurrentActor, Cursor, Limit, Sessions
from core_ledger.api.presenters import account_public, daily_balance_public
from core_ledger.api.schemas import (
    AccountDailyBalancesPublic,
    AccountPublic,
    BalancesPublic,
    StatementLinePublic,
    StatementPublic,
)
from core_ledger.money import format_amount
from core_ledger.pagination import DEFAULT_PAGE_SIZE
from core_ledger.services import balances, tenants

router = APIRouter(prefix="/v1/accounts", tags=["accounts"])

FromDate = Annotated[date | None, Query(alias="from", description="First business day.")]
ToDate = Annotated[date | None, Query(alias="to", description="Last business day.")]


@router.get("/{account_id}", response_model=AccountPublic)
def get_account(account_id: uuid.UUID, sessions: Sessions, actor: CurrentActor) -> AccountPublic:
    return account_public(tenants.get_account(sessions, actor, account_id))


@router.get("/{account_id}/balances", response_model=BalancesPublic)
def get_balances(
    account_id: uuid.UUID,
    sessions: Sessions,
    actor: CurrentActor,
    as_of: Annotated[
        AwareDatetime | None,
        Query(description="The posted balance effective at this instant; now when absent."),
    ] = None,
) -> BalancesPublic:
    result = balances.current_or_as_of(sessions, actor, account_id, as_of)
    return BalancesPublic(
        account_id=account_id,
        currency=result.account.currency,
        as_of=result.as_of,
        posted=format_amount(result.posted_minor),
        pending_inflow=format_amount(result.pending_inflow_minor),
        pending_outflow=format_amount(result.pending_outflow_minor),
        available=format_amount(result.available_minor),
    )


@router.get("/{account_id}/statement", response_model=StatementPublic, response_model_by_alias=True)
def get_statement(
    account_id: uuid.UUID,
    sessions: Sessions,
    actor: CurrentActor,
    first: FromDate = None,
    last: ToDate = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
) -> StatementPublic:
    """The extrato: postings effective in the business-day range, each with the running balance."""
    result = balances.statement(sessions, actor, account_id, first, last, cursor, limit)
    return StatementPublic(
        account_id=account_id,
        currency=result.account.currency,
        from_date=result.first,
        to_date=result.last,
        opening_balance=format_amount(result.opening_minor),
        lines=[
            StatementLinePublic(
                posting_id=line.posting_id,
                transfer_id=line.transfer_id,
                occurred_at=line.occurred_at,
                description=line.description,
                category=line.category,
                direction=line.direction,  # type: ignore[arg-type]  # CHECKed in the database
                amount=format_amount(line.amount_minor),
                running_balance=format_amount(line.running_balance_minor),
            )
            for line in result.lines
        ],
        next_cursor=result.next_cursor,
    )


@router.get("/{account_id}/daily-balances", response_model=AccountDailyBalancesPublic)
def get_daily_balances(
    account_id: uuid.UUID,
    sessions: Sessions,
    actor: CurrentActor,
    first: FromDate = None,
    last: ToDate = None,
) -> AccountDailyBalancesPublic:
    """Per business day, from the read model the projector keeps (see projected_until)."""
    result = balances.daily_balances(sessions, actor, account_id, first, last)
    return AccountDailyBalancesPublic(
        account_id=account_id,
        currency=result.account.currency,
        projected_until=result.projected_until,
        days=[daily_balance_public(day) for day in result.days],
    )
