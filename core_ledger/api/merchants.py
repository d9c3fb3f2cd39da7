"""Routes for merchants, their entries and their daily balances."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from core_ledger.api.dependencies import Idempotency, Sessions
from core_ledger.api.schemas import (
    DailyBalancePublic,
    DailyBalancesPublic,
    EntryCreate,
    EntryPublic,
    MerchantCreate,
    MerchantPublic,
)
from core_ledger.models import Entry
from core_ledger.money import format_amount, parse_amount
from core_ledger.services import entries, merchants

router = APIRouter(prefix="/v1/merchants", tags=["merchants"])


def _entry_public(entry: Entry) -> EntryPublic:
    return EntryPublic(
        entry_id=entry.entry_id,
        merchant_id=entry.merchant_id,
        type=entry.entry_type,  # type: ignore[arg-type]  # the database CHECK allows only these
        amount=format_amount(entry.amount_minor),
        currency=entry.currency,
        occurred_at=entry.occurred_at,
        description=entry.description,
        category=entry.category,
        external_id=entry.external_id,
        created_at=entry.created_at,
    )


def _mark_replay(response: Response, replayed: bool) -> None:
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"


@router.post("", status_code=status.HTTP_201_CREATED, response_model=MerchantPublic)
def register_merchant(
    body: MerchantCreate, sessions: Sessions, idempotent: Idempotency, response: Response
) -> object:
    registered = merchants.register_merchant(
        sessions, merchants.NewMerchant(**body.model_dump()), idempotent
    )
    _mark_replay(response, registered.replayed)
    response.headers["Location"] = f"/v1/merchants/{registered.value.merchant_id}"
    return MerchantPublic.model_validate(registered.value, from_attributes=True)


@router.get("/{merchant_id}", response_model=MerchantPublic)
def get_merchant(merchant_id: str, sessions: Sessions) -> object:
    merchant = merchants.get_merchant(sessions, merchant_id)
    return MerchantPublic.model_validate(merchant, from_attributes=True)


@router.post(
    "/{merchant_id}/entries", status_code=status.HTTP_201_CREATED, response_model=EntryPublic
)
def record_entry(
    merchant_id: str,
    body: EntryCreate,
    sessions: Sessions,
    idempotent: Idempotency,
    response: Response,
) -> EntryPublic:
    new = entries.NewEntry(
        entry_type=body.type,
        amount_minor=parse_amount(body.amount),
        occurred_at=body.occurred_at,
        description=body.description,
        category=body.category,
        currency=body.currency,
        external_id=body.external_id,
    )
    recorded = entries.record_entry(sessions, merchant_id, new, idempotent)
    _mark_replay(response, recorded.replayed)
    response.headers["Location"] = f"/v1/merchants/{merchant_id}/entries/{recorded.value.entry_id}"
    return _entry_public(recorded.value)


@router.get("/{merchant_id}/entries/{entry_id}", response_model=EntryPublic)
def get_entry(merchant_id: str, entry_id: uuid.UUID, sessions: Sessions) -> EntryPublic:
    return _entry_public(entries.get_entry(sessions, merchant_id, entry_id))


@router.get("/{merchant_id}/daily-balances", response_model=DailyBalancesPublic)
def daily_balances(
    merchant_id: str,
    sessions: Sessions,
    first: Annotated[date | None, Query(alias="from", description="First business day.")] = None,
    last: Annotated[date | None, Query(alias="to", description="Last business day.")] = None,
) -> DailyBalancesPublic:
    result = entries.daily_balances(sessions, merchant_id, first, last)
    return DailyBalancesPublic(
        merchant_id=result.merchant_id,
        currency=result.currency,
        days=[
            DailyBalancePublic(
                date=day.business_date,
                opening_balance=format_amount(day.opening_minor),
                credits=format_amount(day.credits_minor),
                debits=format_amount(day.debits_minor),
                closing_balance=format_amount(day.closing_minor),
                credit_count=day.credit_count,
                debit_count=day.debit_count,
            )
            for day in result.days
        ],
    )
