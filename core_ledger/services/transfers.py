"""Posting transfers: balanced sets of postings applied atomically to locked accounts, with their
outbox events and audit records in the same transaction. A batch is all or nothing."""

import dataclasses
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from core_ledger.access import Actor
from core_ledger.counterparty import (
    Counterparty,
    counterparty_record,
    stored_counterparty,
    validated_counterparty,
)
from core_ledger.double_entry import AccountState, Leg, check_legs
from core_ledger.errors import (
    AccountNotFound,
    AlreadyReversed,
    BatchRejected,
    CurrencyMismatch,
    DuplicateExternalId,
    Forbidden,
    InsufficientFunds,
    LedgerError,
    TransferNotFound,
)
from core_ledger.models import Transfer
from core_ledger.models.transfer import new_transfer_id
from core_ledger.money import format_amount
from core_ledger.repositories import accounts, transfers
from core_ledger.repositories.transfers import PostingRow, TransferRow
from core_ledger.services import audit
from core_ledger.services.idempotency import IdempotentRequest, Outcome, run_once

MAX_BATCH_SIZE = 1000


@dataclass(frozen=True)
class NewTransfer:
    legs: tuple[Leg, ...]
    description: str
    currency: str | None = None  # by default, the accounts' currency
    category: str | None = None
    occurred_at: datetime | None = None  # by default, now
    external_id: str | None = None  # unique per owning tenant
    tenant_id: str | None = None  # the owner; by default the actor's tenant or the first leg's
    kind: str = "transfer"
    reverses_transfer_id: uuid.UUID | None = None
    hold_id: uuid.UUID | None = None
    counterparty: Counterparty | None = None  # as given: validated when the transfer is planned


@dataclass(frozen=True)
class PostingView:
    account_id: uuid.UUID
    direction: str
    amount_minor: int
    balance_after_minor: int
    account_version: int


@dataclass(frozen=True)
class TransferView:
    transfer_id: uuid.UUID
    tenant_id: str
    currency: str
    kind: str
    description: str
    category: str | None
    occurred_at: datetime
    external_id: str | None
    reverses_transfer_id: uuid.UUID | None
    hold_id: uuid.UUID | None
    counterparty: Counterparty | None
    created_at: datetime
    postings: tuple[PostingView, ...]


@dataclass
class _Plan:
    row: TransferRow
    postings: list[PostingRow] = field(default_factory=list)
    balances_before: dict[str, int] = field(default_factory=dict)


def post_transfer(
    sessions: sessionmaker[Session],
    actor: Actor,
    new: NewTransfer,
    idempotent: IdempotentRequest | None = None,
) -> Outcome[TransferView]:
    with sessions.begin() as session:
        return run_once(
            session,
            idempotent,
            create=lambda: _one(apply_transfers(session, actor, [new])),
            reload=lambda transfer_id: view(_require(session, uuid.UUID(transfer_id))),
        )


def post_batch(
    sessions: sessionmaker[Session],
    actor: Actor,
    batch: Sequence[NewTransfer],
    idempotent: IdempotentRequest | None = None,
) -> Outcome[list[TransferView]]:
    """All or nothing: one transaction; if any item is refused, none is applied and the error
    lists every refused item with its reason."""

    def create() -> tuple[list[TransferView], str]:
        posted = apply_transfers(session, actor, batch)
        return posted, ",".join(str(t.transfer_id) for t in posted)

    def reload(ids: str) -> list[TransferView]:
        wanted = [uuid.UUID(i) for i in ids.split(",")]
        return [view(t) for t in transfers.get_many(session, wanted)]

    with sessions.begin() as session:
        return run_once(session, idempotent, create=create, reload=reload)


def reverse_transfer(
    sessions: sessionmaker[Session],
    actor: Actor,
    transfer_id: uuid.UUID,
    idempotent: IdempotentRequest | None = None,
) -> Outcome[TransferView]:
    """Undo a transfer with a new one that mirrors its postings, linked to it; history stays."""

    def create() -> tuple[TransferView, str]:
        original = _require_visible(session, actor, transfer_id)
        if transfers.find_reversal(session, transfer_id) is not None:
            raise AlreadyReversed(
                f"transfer {transfer_id} has already been reversed", transfer_id=str(transfer_id)
            )
        mirrored = tuple(
            Leg(p.account_id, "credit" if p.direction == "debit" else "debit", p.amount_minor)
            for p in original.postings
        )
        reversal = NewTransfer(
            legs=mirrored,
            description=f"Estorno: {original.description}",
            currency=original.currency,
            category=original.category,
            tenant_id=original.tenant_id,
            kind="reversal",
            reverses_transfer_id=original.transfer_id,
            # The money goes back to (or comes back from) the same party.
            counterparty=stored_counterparty(original),
        )
        return _one(apply_transfers(session, actor, [reversal]))

    with sessions.begin() as session:
        return run_once(
            session,
            idempotent,
            create=create,
            reload=lambda reversal_id: view(_require(session, uuid.UUID(reversal_id))),
        )


def get_transfer(
    sessions: sessionmaker[Session], actor: Actor, transfer_id: uuid.UUID
) -> TransferView:
    with sessions() as session:
        return view(_require_visible(session, actor, transfer_id))


def apply_transfers(
    session: Session,
    actor: Actor,
    batch: Sequence[NewTransfer],
    locked: dict[uuid.UUID, AccountState] | None = None,
) -> list[TransferView]:
    """Lock every account involved (unless the caller holds them in `locked`), apply each
    transfer in order, then write everything in one statement."""
    states = locked if locked is not None else _lock(session, batch)
    now = datetime.now(UTC)
    plans: list[_Plan] = []
    errors: dict[int, LedgerError] = {}
    # A repeat is reported as one even when applying it again would also break a balance policy:
    # a client retrying a debit must learn that it went through, not that funds are short.
    earlier = _earlier_by_external_id(session, actor, states, batch)
    for index, new in enumerate(batch):
        try:
            check_legs(new.legs)
            if index in earlier:
                raise earlier[index]
            plans.append(_plan(actor, states, new, now))
        except LedgerError as error:
            errors[index] = error
    if errors:
        raise _refusal(errors, len(batch))
    postings = [posting for plan in plans for posting in plan.postings]
    touched = list(dict.fromkeys(posting.account_id for posting in postings))
    documents = [_transfer_document(plan) for plan in plans]
    created = transfers.write_posted(
        session,
        [plan.row for plan in plans],
        postings,
        [states[account_id] for account_id in touched],
        [
            {
                "event_type": "transfer.posted",
                "aggregate_id": str(plan.row.transfer_id),
                "payload": document,
            }
            for plan, document in zip(plans, documents, strict=True)
        ],
        audit.pending_records(
            actor,
            [
                audit.Change(
                    action=f"{plan.row.kind}.posted",
                    entity_type="transfer",
                    entity_id=str(plan.row.transfer_id),
                    before={"balances": plan.balances_before},
                    after=document,
                )
                for plan, document in zip(plans, documents, strict=True)
            ],
        ),
    )
    for index, plan in enumerate(plans):
        if plan.row.transfer_id not in created:
            errors[index] = _collision(session, plan.row)
    if errors:
        # What was written with the others rolls back with the caller's transaction.
        raise _refusal(errors, len(batch))
    return [_view_of_plan(plan, created[plan.row.transfer_id]) for plan in plans]


def _owner(actor: Actor, new: NewTransfer, states: dict[uuid.UUID, AccountState]) -> str | None:
    """The tenant a transfer belongs to (and its external_id is unique within)."""
    first = states.get(new.legs[0].account_id) if new.legs else None
    return new.tenant_id or actor.tenant_id or (first.tenant_id if first else None)


def _earlier_by_external_id(
    session: Session,
    actor: Actor,
    states: dict[uuid.UUID, AccountState],
    batch: Sequence[NewTransfer],
) -> dict[int, DuplicateExternalId]:
    keyed = {
        index: (owner, new.external_id)
        for index, new in enumerate(batch)
        if new.external_id is not None and (owner := _owner(actor, new, states)) is not None
    }
    existing = transfers.find_by_external_ids(session, set(keyed.values()))
    return {
        index: DuplicateExternalId(
            f"tenant {key[0]!r} already has a transfer with external_id {key[1]!r}",
            transfer_id=str(existing[key]),
        )
        for index, key in keyed.items()
        if key in existing
    }


def _lock(session: Session, batch: Sequence[NewTransfer]) -> dict[uuid.UUID, AccountState]:
    wanted = {leg.account_id for new in batch for leg in new.legs}
    return accounts.lock(session, wanted)


def _plan(
    actor: Actor, states: dict[uuid.UUID, AccountState], new: NewTransfer, now: datetime
) -> _Plan:
    legs_states = []
    for leg in new.legs:
        state = states.get(leg.account_id)
        if state is None:
            raise AccountNotFound(f"no account {leg.account_id}", account_id=str(leg.account_id))
        legs_states.append((leg, state))
    currency = new.currency or legs_states[0][1].currency
    for leg, state in legs_states:
        if state.currency != currency:
            raise CurrencyMismatch(
                f"account {leg.account_id} is in {state.currency}, the transfer in {currency}",
                account_id=str(leg.account_id),
            )
        taking = actor.role == "merchant" and state.reduces_balance(leg.direction)
        if taking and state.tenant_id != actor.tenant_id:
            raise Forbidden(f"{actor.principal} may not take money from account {leg.account_id}")
    if actor.role == "auditor":
        raise Forbidden(f"{actor.principal} (auditor) may not post transfers")
    owner = _owner(actor, new, states) or legs_states[0][1].tenant_id
    if actor.role == "merchant" and owner != actor.tenant_id:
        raise Forbidden(f"{actor.principal} may post transfers only for its own tenant")

    plan = _Plan(
        row=TransferRow(
            transfer_id=new_transfer_id(),
            tenant_id=owner,
            currency=currency,
            kind=new.kind,
            reverses_transfer_id=new.reverses_transfer_id,
            hold_id=new.hold_id,
            external_id=new.external_id,
            description=new.description,
            category=new.category,
            occurred_at=(new.occurred_at or now).astimezone(UTC),
            counterparty=validated_counterparty(new.counterparty) if new.counterparty else None,
        )
    )
    saved = {leg.account_id: dataclasses.replace(state) for leg, state in legs_states}
    try:
        for leg, state in legs_states:
            plan.balances_before[str(leg.account_id)] = state.balance_minor
            balance_after, version = state.post(leg.direction, leg.amount_minor)
            plan.postings.append(
                PostingRow(
                    transfer_id=plan.row.transfer_id,
                    account_id=leg.account_id,
                    direction=leg.direction,
                    amount_minor=leg.amount_minor,
                    balance_after_minor=balance_after,
                    account_version=version,
                    occurred_at=plan.row.occurred_at,
                )
            )
        refused = next((state for _, state in legs_states if not state.within_policy()), None)
        if refused is not None:
            before = saved[refused.account_id]
            raise InsufficientFunds(
                f"account {refused.account_id} has {format_amount(before.available_minor)} "
                f"available under its {before.balance_policy} policy",
                account_id=str(refused.account_id),
                available=format_amount(before.available_minor),
            )
    except LedgerError:
        states.update(saved)  # a refused transfer leaves the accounts as they were
        raise
    return plan


def _collision(session: Session, row: TransferRow) -> LedgerError:
    if row.reverses_transfer_id is not None:
        return AlreadyReversed(
            f"transfer {row.reverses_transfer_id} has already been reversed",
            transfer_id=str(row.reverses_transfer_id),
        )
    existing = (
        transfers.find_by_external_id(session, row.tenant_id, row.external_id)
        if row.external_id is not None
        else None
    )
    return DuplicateExternalId(
        f"tenant {row.tenant_id!r} already has a transfer with external_id {row.external_id!r}",
        transfer_id=str(existing.transfer_id) if existing else None,
    )


def _refusal(errors: dict[int, LedgerError], size: int) -> LedgerError:
    if size == 1:
        return errors[0]
    return BatchRejected(
        f"{len(errors)} of {size} transfers were refused; none was applied",
        items=[
            {"index": index, "code": error.code, "detail": error.detail, **error.extensions}
            for index, error in sorted(errors.items())
        ],
    )


def _one(views: list[TransferView]) -> tuple[TransferView, str]:
    return views[0], str(views[0].transfer_id)


def _require(session: Session, transfer_id: uuid.UUID) -> Transfer:
    transfer = transfers.get(session, transfer_id)
    if transfer is None:
        raise TransferNotFound(f"no transfer {transfer_id}", transfer_id=str(transfer_id))
    return transfer


def _require_visible(session: Session, actor: Actor, transfer_id: uuid.UUID) -> Transfer:
    """Another tenant's transfer is reported missing: a merchant learns nothing of it."""
    transfer = _require(session, transfer_id)
    if actor.role == "merchant" and not (
        transfer.tenant_id == actor.tenant_id
        or (actor.tenant_id and transfers.touches_tenant(session, transfer_id, actor.tenant_id))
    ):
        raise TransferNotFound(f"no transfer {transfer_id}", transfer_id=str(transfer_id))
    return transfer


def view(transfer: Transfer) -> TransferView:
    return TransferView(
        transfer_id=transfer.transfer_id,
        tenant_id=transfer.tenant_id,
        currency=transfer.currency,
        kind=transfer.kind,
        description=transfer.description,
        category=transfer.category,
        occurred_at=transfer.occurred_at,
        external_id=transfer.external_id,
        reverses_transfer_id=transfer.reverses_transfer_id,
        hold_id=transfer.hold_id,
        counterparty=stored_counterparty(transfer),
        created_at=transfer.created_at,
        postings=tuple(
            PostingView(
                p.account_id, p.direction, p.amount_minor, p.balance_after_minor, p.account_version
            )
            for p in transfer.postings
        ),
    )


def _view_of_plan(plan: _Plan, created_at: datetime) -> TransferView:
    row = plan.row
    return TransferView(
        transfer_id=row.transfer_id,
        tenant_id=row.tenant_id,
        currency=row.currency,
        kind=row.kind,
        description=row.description,
        category=row.category,
        occurred_at=row.occurred_at,
        external_id=row.external_id,
        reverses_transfer_id=row.reverses_transfer_id,
        hold_id=row.hold_id,
        counterparty=row.counterparty,
        created_at=created_at,
        postings=tuple(
            PostingView(
                p.account_id, p.direction, p.amount_minor, p.balance_after_minor, p.account_version
            )
            for p in plan.postings
        ),
    )


def _transfer_document(plan: _Plan) -> dict[str, Any]:
    """The transfer as its outbox event and audit record carry it."""
    row = plan.row
    return {
        "transfer_id": str(row.transfer_id),
        "tenant_id": row.tenant_id,
        "kind": row.kind,
        "currency": row.currency,
        "occurred_at": row.occurred_at.isoformat(),
        "external_id": row.external_id,
        "reverses_transfer_id": str(row.reverses_transfer_id) if row.reverses_transfer_id else None,
        "hold_id": str(row.hold_id) if row.hold_id else None,
        "counterparty": counterparty_record(row.counterparty),
        "postings": [
            {
                "account_id": str(p.account_id),
                "direction": p.direction,
                "amount_minor": p.amount_minor,
                "balance_after_minor": p.balance_after_minor,
                "account_version": p.account_version,
            }
            for p in plan.postings
        ],
    }
