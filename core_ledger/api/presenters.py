"""Domain results rendered as the API's public bodies (integer centavos become decimal strings)."""

from core_ledger.api.schemas import (
    AccountPublic,
    CounterpartyPublic,
    DailyBalancePublic,
    HoldPublic,
    PostingPublic,
    TenantPublic,
    TransferPublic,
)
from core_ledger.consolidation import DailyBalance
from core_ledger.counterparty import Counterparty, stored_counterparty
from core_ledger.models import Account, Tenant
from core_ledger.money import format_amount
from core_ledger.services.holds import HoldResult
from core_ledger.services.transfers import TransferView


def tenant_public(tenant: Tenant) -> TenantPublic:
    return TenantPublic.model_validate(tenant, from_attributes=True)


def account_public(account: Account) -> AccountPublic:
    return AccountPublic(
        account_id=account.account_id,
        tenant_id=account.tenant_id,
        code=account.code,
        name=account.name,
        currency=account.currency,
        type=account.account_type,
        normal_side=account.normal_side,  # type: ignore[arg-type]  # a generated column
        balance_policy=account.balance_policy,
        overdraft_limit=format_amount(account.overdraft_limit_minor),
        balance=format_amount(account.posted_balance_minor),
        available_balance=format_amount(account.available_balance_minor),
        version=account.version,
        created_at=account.created_at,
    )


def transfer_public(transfer: TransferView) -> TransferPublic:
    return TransferPublic(
        transfer_id=transfer.transfer_id,
        tenant_id=transfer.tenant_id,
        kind=transfer.kind,
        currency=transfer.currency,
        description=transfer.description,
        category=transfer.category,
        occurred_at=transfer.occurred_at,
        external_id=transfer.external_id,
        reverses_transfer_id=transfer.reverses_transfer_id,
        hold_id=transfer.hold_id,
        counterparty=counterparty_public(transfer.counterparty),
        created_at=transfer.created_at,
        postings=[
            PostingPublic(
                account_id=p.account_id,
                direction=p.direction,  # type: ignore[arg-type]  # CHECKed in the database
                amount=format_amount(p.amount_minor),
                balance_after=format_amount(p.balance_after_minor),
                account_version=p.account_version,
            )
            for p in transfer.postings
        ],
    )


def counterparty_public(counterparty: Counterparty | None) -> CounterpartyPublic | None:
    if counterparty is None:
        return None
    return CounterpartyPublic(
        document_masked=counterparty.document_masked,
        document_kind=counterparty.document_kind,
        name=counterparty.name,
        country=counterparty.country,
    )


def hold_public(result: HoldResult) -> HoldPublic:
    hold = result.hold
    return HoldPublic(
        hold_id=hold.hold_id,
        tenant_id=hold.tenant_id,
        status=hold.status,  # type: ignore[arg-type]  # CHECKed in the database
        currency=hold.currency,
        debit_account_id=hold.debit_account_id,
        credit_account_id=hold.credit_account_id,
        amount=format_amount(hold.amount_minor),
        posted_amount=(
            format_amount(hold.posted_amount_minor)
            if hold.posted_amount_minor is not None
            else None
        ),
        expires_at=hold.expires_at,
        description=hold.description,
        category=hold.category,
        external_id=hold.external_id,
        counterparty=counterparty_public(stored_counterparty(hold)),
        created_at=hold.created_at,
        resolved_at=hold.resolved_at,
        transfer=transfer_public(result.transfer) if result.transfer else None,
    )


def daily_balance_public(day: DailyBalance) -> DailyBalancePublic:
    return DailyBalancePublic(
        date=day.business_date,
        opening_balance=format_amount(day.opening_minor),
        credits=format_amount(day.credits_minor),
        debits=format_amount(day.debits_minor),
        closing_balance=format_amount(day.closing_minor),
        credit_count=day.credit_count,
        debit_count=day.debit_count,
    )
