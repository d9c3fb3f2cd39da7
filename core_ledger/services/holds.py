"""Two-phase transfers: a hold reserves funds (available balance drops, posted balance does not);
it is then posted in full or in part, voided, or expires at its deadline."""

import uuid
from dataclasses import dataclass
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
from core_ledger.double_entry import AccountState, Leg
from core_ledger.errors import (
    AccountNotFound,
    CurrencyMismatch,
    DuplicateExternalId,
    Forbidden,
    HoldNotFound,
    HoldNotPending,
    InsufficientFunds,
    InvalidTransfer,
)
from core_ledger.models import Hold
from core_ledger.money import format_amount
from core_ledger.repositories import accounts, holds, outbox, transfers
from core_ledger.services import audit
from core_ledger.services.idempotency import IdempotentRequest, Outcome, run_once
from core_ledger.services.transfers import NewTransfer, TransferView, apply_transfers, view

SYSTEM_ACTOR = Actor(principal="system:hold-expiry", role="admin")


@dataclass(frozen=True)
class NewHold:
    debit_account_id: uuid.UUID
    credit_account_id: uuid.UUID
    amount_minor: int
    description: str
    currency: str | None = None
    category: str | None = None
    expires_at: datetime | None = None
    external_id: str | None = None
    counterparty: Counterparty | None = None  # as given; its posting transfer carries it


@dataclass(frozen=True)
class HoldResult:
    hold: Hold
    transfer: TransferView | None = None  # the posting transfer, once posted


def place_hold(
    sessions: sessionmaker[Session],
    actor: Actor,
    new: NewHold,
    idempotent: IdempotentRequest | None = None,
) -> Outcome[HoldResult]:
    def create() -> tuple[HoldResult, str]:
        if new.debit_account_id == new.credit_account_id:
            raise InvalidTransfer("a hold needs two different accounts")
        counterparty = validated_counterparty(new.counterparty) if new.counterparty else None
        states = accounts.lock(session, {new.debit_account_id, new.credit_account_id})
        debit, credit = _pair(states, new.debit_account_id, new.credit_account_id)
        currency = new.currency or debit.currency
        for state in (debit, credit):
            if state.currency != currency:
                raise CurrencyMismatch(
                    f"account {state.account_id} is in {state.currency}, the hold in {currency}"
                )
        _check_may_reserve(actor, debit, credit)
        debit.reserve("debit", new.amount_minor)
        credit.reserve("credit", new.amount_minor)
        for state in (debit, credit):
            if not state.within_policy():
                raise InsufficientFunds(
                    f"account {state.account_id} cannot reserve {format_amount(new.amount_minor)}"
                    f" under its {state.balance_policy} policy",
                    account_id=str(state.account_id),
                )
        hold = holds.insert_unless_duplicate(
            session,
            {
                "hold_id": uuid.uuid4(),
                "tenant_id": actor.tenant_id or debit.tenant_id,
                "currency": currency,
                "debit_account_id": debit.account_id,
                "credit_account_id": credit.account_id,
                "amount_minor": new.amount_minor,
                "expires_at": new.expires_at,
                "external_id": new.external_id,
                "description": new.description,
                "category": new.category,
                "counterparty_document": counterparty.document if counterparty else None,
                "counterparty_name": counterparty.name if counterparty else None,
                "counterparty_country": counterparty.country if counterparty else None,
            },
        )
        if hold is None:
            raise DuplicateExternalId(f"a hold with external_id {new.external_id!r} exists")
        accounts.save(session, (debit, credit))
        _announce(session, actor, hold, before=None, action="hold.placed")
        return HoldResult(hold), str(hold.hold_id)

    with sessions.begin() as session:
        return run_once(session, idempotent, create=create, reload=lambda i: _reload(session, i))


def post_hold(
    sessions: sessionmaker[Session],
    actor: Actor,
    hold_id: uuid.UUID,
    amount_minor: int | None,
    idempotent: IdempotentRequest | None = None,
) -> Outcome[HoldResult]:
    """Release the reservation and post `amount_minor` (by default all of it) as a transfer."""

    def create() -> tuple[HoldResult, str]:
        hold = _lock_pending(session, actor, hold_id)
        amount = hold.amount_minor if amount_minor is None else amount_minor
        if amount > hold.amount_minor:
            raise InvalidTransfer(
                f"cannot post {format_amount(amount)} of a hold of "
                f"{format_amount(hold.amount_minor)}"
            )
        before = _document(hold)
        states = _release(session, hold)
        transfer = apply_transfers(
            session,
            actor,
            [
                NewTransfer(
                    legs=(
                        Leg(hold.debit_account_id, "debit", amount),
                        Leg(hold.credit_account_id, "credit", amount),
                    ),
                    description=hold.description,
                    currency=hold.currency,
                    category=hold.category,
                    tenant_id=hold.tenant_id,
                    kind="hold_posting",
                    hold_id=hold.hold_id,
                    counterparty=stored_counterparty(hold),
                )
            ],
            locked=states,
        )[0]
        holds.resolve(session, hold.hold_id, "posted", amount)
        session.refresh(hold)
        _announce(session, actor, hold, before=before, action="hold.posted")
        return HoldResult(hold, transfer), str(hold.hold_id)

    with sessions.begin() as session:
        return run_once(session, idempotent, create=create, reload=lambda i: _reload(session, i))


def void_hold(
    sessions: sessionmaker[Session],
    actor: Actor,
    hold_id: uuid.UUID,
    idempotent: IdempotentRequest | None = None,
) -> Outcome[HoldResult]:
    def create() -> tuple[HoldResult, str]:
        hold = _lock_pending(session, actor, hold_id)
        before = _document(hold)
        accounts.save(session, _release(session, hold).values())
        holds.resolve(session, hold.hold_id, "voided", None)
        session.refresh(hold)
        _announce(session, actor, hold, before=before, action="hold.voided")
        return HoldResult(hold), str(hold.hold_id)

    with sessions.begin() as session:
        return run_once(session, idempotent, create=create, reload=lambda i: _reload(session, i))


def expire_due_holds(sessions: sessionmaker[Session], now: datetime | None = None) -> int:
    """Release every pending hold past its deadline. Safe to run from several processes."""
    expired = 0
    while True:
        with sessions.begin() as session:
            due = holds.lock_due(session, now or datetime.now(UTC), limit=100)
            for hold in due:
                before = _document(hold)
                accounts.save(session, _release(session, hold).values())
                holds.resolve(session, hold.hold_id, "expired", None)
                session.refresh(hold)
                _announce(session, SYSTEM_ACTOR, hold, before=before, action="hold.expired")
            expired += len(due)
        if len(due) < 100:
            return expired


def get_hold(sessions: sessionmaker[Session], actor: Actor, hold_id: uuid.UUID) -> HoldResult:
    with sessions() as session:
        return _reload(session, str(_visible(session, actor, hold_id).hold_id))


def _reload(session: Session, hold_id: str) -> HoldResult:
    hold = holds.get(session, uuid.UUID(hold_id))
    assert hold is not None
    posting = transfers.find_by_hold(session, hold.hold_id)
    return HoldResult(hold, view(posting) if posting else None)


def _visible(session: Session, actor: Actor, hold_id: uuid.UUID) -> Hold:
    hold = holds.get(session, hold_id)
    if hold is None or not _involves(session, actor, hold):
        raise HoldNotFound(f"no hold {hold_id}", hold_id=str(hold_id))
    return hold


def _involves(session: Session, actor: Actor, hold: Hold) -> bool:
    if actor.role != "merchant":
        return True
    tenants = {hold.tenant_id}
    for account_id in (hold.debit_account_id, hold.credit_account_id):
        account = accounts.get(session, account_id)
        if account is not None:
            tenants.add(account.tenant_id)
    return actor.tenant_id in tenants


def _lock_pending(session: Session, actor: Actor, hold_id: uuid.UUID) -> Hold:
    _visible(session, actor, hold_id)
    hold = holds.lock(session, hold_id)
    assert hold is not None
    session.refresh(hold)
    if actor.role == "auditor" or (actor.role == "merchant" and hold.tenant_id != actor.tenant_id):
        raise Forbidden(f"{actor.principal} may not resolve hold {hold_id}")
    if hold.status != "pending":
        raise HoldNotPending(f"hold {hold_id} is {hold.status}", hold_status=hold.status)
    if hold.expires_at is not None and hold.expires_at <= datetime.now(UTC):
        raise HoldNotPending(f"hold {hold_id} expired at {hold.expires_at.isoformat()}")
    return hold


def _release(session: Session, hold: Hold) -> dict[uuid.UUID, AccountState]:
    states = accounts.lock(session, {hold.debit_account_id, hold.credit_account_id})
    states[hold.debit_account_id].release("debit", hold.amount_minor)
    states[hold.credit_account_id].release("credit", hold.amount_minor)
    return states


def _pair(
    states: dict[uuid.UUID, AccountState], debit_id: uuid.UUID, credit_id: uuid.UUID
) -> tuple[AccountState, AccountState]:
    for account_id in (debit_id, credit_id):
        if account_id not in states:
            raise AccountNotFound(f"no account {account_id}", account_id=str(account_id))
    return states[debit_id], states[credit_id]


def _check_may_reserve(actor: Actor, debit: AccountState, credit: AccountState) -> None:
    if actor.role == "auditor":
        raise Forbidden(f"{actor.principal} (auditor) may not place holds")
    if actor.role == "merchant":
        for state, direction in ((debit, "debit"), (credit, "credit")):
            if state.reduces_balance(direction) and state.tenant_id != actor.tenant_id:
                raise Forbidden(f"{actor.principal} may not reserve funds of {state.account_id}")


def _document(hold: Hold) -> dict[str, Any]:
    return {
        "hold_id": str(hold.hold_id),
        "tenant_id": hold.tenant_id,
        "status": hold.status,
        "currency": hold.currency,
        "debit_account_id": str(hold.debit_account_id),
        "credit_account_id": str(hold.credit_account_id),
        "amount_minor": hold.amount_minor,
        "posted_amount_minor": hold.posted_amount_minor,
        "expires_at": hold.expires_at.isoformat() if hold.expires_at else None,
        "counterparty": counterparty_record(stored_counterparty(hold)),
    }


def _announce(
    session: Session, actor: Actor, hold: Hold, before: dict[str, Any] | None, action: str
) -> None:
    after = _document(hold)
    outbox.append(
        session, [{"event_type": action, "aggregate_id": str(hold.hold_id), "payload": after}]
    )
    audit.record(
        session,
        actor,
        [audit.Change(action, "hold", str(hold.hold_id), before=before, after=after)],
    )
