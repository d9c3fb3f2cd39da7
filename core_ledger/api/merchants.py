"""Routes for merchants, their lançamentos and their daily balances (the foundation API)."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from core_ledger.api.dependencies import CurrentActor, Idempotency, Sessions, mark_replay
from core_ledger.api.presenters import counterparty_public, daily_balance_public
from core_ledger.api.schemas import (
    BankAccountList,
    BankAccountPublic,
    DailyBalancesPublic,
    EntryCreate,
    EntryPublic,
    MerchantCreate,
    MerchantPublic,
)
from core_ledger.models import MerchantBankAccount, Tenant
from core_ledger.money import format_amount, parse_amount
from core_ledger.services import merchants, onboarding

router = APIRouter(prefix="/v1/merchants", tags=["merchants"])

FromDate = Annotated[date | None, Query(alias="from", description="First business day.")]
ToDate = Annotated[date | None, Query(alias="to", description="Last business day.")]


def _merchant_public(tenant: Tenant) -> MerchantPublic:
    return MerchantPublic(
        merchant_id=tenant.tenant_id,
        name=tenant.name,
        currency=tenant.currency,
        timezone=tenant.timezone,
        created_at=tenant.created_at,
    )


def _bank_account_public(account: MerchantBankAccount) -> BankAccountPublic:
    return BankAccountPublic(
        merchant_id=account.merchant_id,
        source=account.source,  # type: ignore[arg-type]  # the database CHECK allows only these
        bank_account_id=account.bank_account_id,
        registered_at=account.registered_at,
        updated_at=account.updated_at,
    )


def _entry_public(entry: merchants.EntryView) -> EntryPublic:
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
        counterparty=counterparty_public(entry.counterparty),
        created_at=entry.created_at,
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=MerchantPublic)
def register_merchant(
    body: MerchantCreate,
    sessions: Sessions,
    actor: CurrentActor,
    idempotent: Idempotency,
    response: Response,
) -> MerchantPublic:
    """A merchant tenant with its cash and external counter accounts (operator, admin)."""
    registered = merchants.register_merchant(
        sessions, actor, merchants.NewMerchant(**body.model_dump()), idempotent
    )
    mark_replay(response, registered.replayed)
    response.headers["Location"] = f"/v1/merchants/{registered.value.tenant_id}"
    return _merchant_public(registered.value)


@router.get("/{merchant_id}", response_model=MerchantPublic)
def get_merchant(merchant_id: str, sessions: Sessions, actor: CurrentActor) -> MerchantPublic:
    return _merchant_public(merchants.get_merchant(sessions, actor, merchant_id))


@router.post(
    "/{merchant_id}/entries", status_code=status.HTTP_201_CREATED, response_model=EntryPublic
)
def record_entry(
    merchant_id: str,
    body: EntryCreate,
    sessions: Sessions,
    actor: CurrentActor,
    idempotent: Idempotency,
    response: Response,
) -> EntryPublic:
    """A credit (money in) or debit (money out): a transfer between the merchant's cash account
    and its external counter account. A debit beyond the cash balance is refused."""
    new = merchants.NewEntry(
        entry_type=body.type,
        amount_minor=parse_amount(body.amount),
        occurred_at=body.occurred_at,
        description=body.description,
        category=body.category,
        currency=body.currency,
        external_id=body.external_id,
        counterparty=body.counterparty.given() if body.counterparty else None,
    )
    recorded = merchants.record_entry(sessions, actor, merchant_id, new, idempotent)
    mark_replay(response, recorded.replayed)
    response.headers["Location"] = f"/v1/merchants/{merchant_id}/entries/{recorded.value.entry_id}"
    return _entry_public(recorded.value)


@router.get("/{merchant_id}/entries/{entry_id}", response_model=EntryPublic)
def get_entry(
    merchant_id: str, entry_id: uuid.UUID, sessions: Sessions, actor: CurrentActor
) -> EntryPublic:
    return _entry_public(merchants.get_entry(sessions, actor, merchant_id, entry_id))


@router.get("/{merchant_id}/daily-balances", response_model=DailyBalancesPublic)
def daily_balances(
    merchant_id: str,
    sessions: Sessions,
    actor: CurrentActor,
    first: FromDate = None,
    last: ToDate = None,
) -> DailyBalancesPublic:
    """The merchant's cash per business day, from the read model (see projected_until)."""
    result = merchants.daily_balances(sessions, actor, merchant_id, first, last)
    return DailyBalancesPublic(
        merchant_id=merchant_id,
        account_id=result.account.account_id,
        currency=result.account.currency,
        projected_until=result.projected_until,
        days=[daily_balance_public(day) for day in result.days],
    )


@router.put(
    "/{merchant_id}/bank-accounts/{source}/{bank_account_id:path}",
    status_code=status.HTTP_201_CREATED,
    response_model=BankAccountPublic,
    responses={200: {"model": BankAccountPublic, "description": "Registered already."}},
)
def register_bank_account(
    merchant_id: str,
    source: Annotated[str, Path(description="`openfinance` or `statement_file`.")],
    bank_account_id: Annotated[
        str,
        Path(
            description="Open Finance: the accountId. Statement files: `<COMPE code in 3 "
            "digits>/<account>`, e.g. `341/56789-0` for BANKID 0341 and ACCTID 56789-0.",
            max_length=200,
        ),
    ],
    sessions: Sessions,
    actor: CurrentActor,
    response: Response,
) -> BankAccountPublic:
    """Register the bank account as the merchant's, so reconciliation and AML attribute its lines
    to it from the next pipeline run (operator, admin). Idempotent: 201 when registered now, 200
    when it was already; 409 bank_account_of_another_merchant when another merchant has it."""
    (registration,) = onboarding.register_bank_accounts(
        sessions, actor, [onboarding.NewBankAccount(merchant_id, source, bank_account_id)]
    )
    if not registration.added:
        response.status_code = status.HTTP_200_OK
    return _bank_account_public(registration.account)


@router.get("/{merchant_id}/bank-accounts", response_model=BankAccountList)
def list_bank_accounts(
    merchant_id: str, sessions: Sessions, actor: CurrentActor
) -> BankAccountList:
    """The merchant's registered bank accounts."""
    accounts = onboarding.bank_accounts_of(sessions, actor, merchant_id)
    return BankAccountList(
        merchant_id=merchant_id, items=[_bank_account_public(a) for a in accounts]
    )
