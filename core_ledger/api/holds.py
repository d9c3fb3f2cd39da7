"""Routes for two-phase transfers: place a hold, then post (all or part) or void it."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Response, status

from core_ledger.api.dependencies import CurrentActor, Idempotency, Sessions, mark_replay
from core_ledger.api.presenters import hold_public
from core_ledger.api.schemas import HoldCreate, HoldPost, HoldPublic
from core_ledger.money import parse_amount
from core_ledger.services import holds

router = APIRouter(prefix="/v1/holds", tags=["holds (pending transfers)"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=HoldPublic)
def place_hold(
    body: HoldCreate,
    sessions: Sessions,
    actor: CurrentActor,
    idempotent: Idempotency,
    response: Response,
) -> HoldPublic:
    """Reserve the amount: the debit account's available balance drops now, its posted balance
    when the hold is posted. Released by void, or automatically at expires_at."""
    new = holds.NewHold(
        debit_account_id=body.debit_account_id,
        credit_account_id=body.credit_account_id,
        amount_minor=parse_amount(body.amount),
        description=body.description,
        currency=body.currency,
        category=body.category,
        expires_at=body.expires_at,
        external_id=body.external_id,
        counterparty=body.counterparty.given() if body.counterparty else None,
    )
    placed = holds.place_hold(sessions, actor, new, idempotent)
    mark_replay(response, placed.replayed)
    response.headers["Location"] = f"/v1/holds/{placed.value.hold.hold_id}"
    return hold_public(placed.value)


@router.get("/{hold_id}", response_model=HoldPublic)
def get_hold(hold_id: uuid.UUID, sessions: Sessions, actor: CurrentActor) -> HoldPublic:
    return hold_public(holds.get_hold(sessions, actor, hold_id))


@router.post("/{hold_id}/post", response_model=HoldPublic)
def post_hold(
    hold_id: uuid.UUID,
    sessions: Sessions,
    actor: CurrentActor,
    idempotent: Idempotency,
    response: Response,
    body: Annotated[HoldPost | None, Body()] = None,
) -> HoldPublic:
    amount = parse_amount(body.amount) if body and body.amount else None
    posted = holds.post_hold(sessions, actor, hold_id, amount, idempotent)
    mark_replay(response, posted.replayed)
    return hold_public(posted.value)


@router.post("/{hold_id}/void", response_model=HoldPublic)
def void_hold(
    hold_id: uuid.UUID,
    sessions: Sessions,
    actor: CurrentActor,
    idempotent: Idempotency,
    response: Response,
) -> HoldPublic:
    voided = holds.void_hold(sessions, actor, hold_id, idempotent)
    mark_replay(response, voided.replayed)
    return hold_public(voided.value)
