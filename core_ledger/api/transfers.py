"""Routes for transfers: single, batch, reversal, lookup."""

import uuid

from fastapi import APIRouter, Response, status

from core_ledger.api.dependencies import CurrentActor, Idempotency, Sessions, mark_replay
from core_ledger.api.presenters import transfer_public
from core_ledger.api.schemas import BatchCreate, BatchPublic, TransferCreate, TransferPublic
from core_ledger.double_entry import Leg
from core_ledger.money import parse_amount
from core_ledger.services import transfers

router = APIRouter(prefix="/v1/transfers", tags=["transfers"])


def _new_transfer(body: TransferCreate) -> transfers.NewTransfer:
    return transfers.NewTransfer(
        legs=tuple(Leg(p.account_id, p.direction, parse_amount(p.amount)) for p in body.postings),
        description=body.description,
        currency=body.currency,
        category=body.category,
        occurred_at=body.occurred_at,
        external_id=body.external_id,
        tenant_id=body.tenant_id,
        counterparty=body.counterparty.given() if body.counterparty else None,
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TransferPublic)
def post_transfer(
    body: TransferCreate,
    sessions: Sessions,
    actor: CurrentActor,
    idempotent: Idempotency,
    response: Response,
) -> TransferPublic:
    """Two or more postings in one currency, debits equal to credits, applied atomically."""
    posted = transfers.post_transfer(sessions, actor, _new_transfer(body), idempotent)
    mark_replay(response, posted.replayed)
    response.headers["Location"] = f"/v1/transfers/{posted.value.transfer_id}"
    return transfer_public(posted.value)


@router.post("/batch", status_code=status.HTTP_201_CREATED, response_model=BatchPublic)
def post_batch(
    body: BatchCreate,
    sessions: Sessions,
    actor: CurrentActor,
    idempotent: Idempotency,
    response: Response,
) -> BatchPublic:
    """Up to 1,000 transfers, all or nothing: in one transaction, applied in order. If any is
    refused, none is applied and the 422 `batch_rejected` lists each refused item (index, code,
    detail); fix those and send the batch again."""
    posted = transfers.post_batch(
        sessions, actor, [_new_transfer(t) for t in body.transfers], idempotent
    )
    mark_replay(response, posted.replayed)
    return BatchPublic(transfers=[transfer_public(t) for t in posted.value])


@router.get("/{transfer_id}", response_model=TransferPublic)
def get_transfer(transfer_id: uuid.UUID, sessions: Sessions, actor: CurrentActor) -> TransferPublic:
    return transfer_public(transfers.get_transfer(sessions, actor, transfer_id))


@router.post(
    "/{transfer_id}/reversal", status_code=status.HTTP_201_CREATED, response_model=TransferPublic
)
def reverse_transfer(
    transfer_id: uuid.UUID,
    sessions: Sessions,
    actor: CurrentActor,
    idempotent: Idempotency,
    response: Response,
) -> TransferPublic:
    """A new transfer mirroring this one's postings, linked to it; at most one per transfer."""
    reversal = transfers.reverse_transfer(sessions, actor, transfer_id, idempotent)
    mark_replay(response, reversal.replayed)
    response.headers["Location"] = f"/v1/transfers/{reversal.value.transfer_id}"
    return transfer_public(reversal.value)
