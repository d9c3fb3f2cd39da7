"""Registering merchants and looking them up."""

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from core_ledger.errors import MerchantAlreadyExists, MerchantNotFound
from core_ledger.models import Merchant
from core_ledger.repositories import merchants
from core_ledger.services.idempotency import IdempotentRequest, Outcome, run_once


@dataclass(frozen=True)
class NewMerchant:
    merchant_id: str
    name: str
    currency: str = "BRL"
    timezone: str = "America/Sao_Paulo"


def register_merchant(
    sessions: sessionmaker[Session], new: NewMerchant, idempotent: IdempotentRequest | None = None
) -> Outcome[Merchant]:
    with sessions.begin() as session:
        return run_once(
            session,
            idempotent,
            create=lambda: _insert_merchant(session, new),
            reload=lambda merchant_id: require_merchant(session, merchant_id),
        )


def _insert_merchant(session: Session, new: NewMerchant) -> tuple[Merchant, str]:
    merchant = merchants.insert_if_absent(
        session, new.merchant_id, new.name, new.currency, new.timezone
    )
    if merchant is None:
        raise MerchantAlreadyExists(
            f"merchant {new.merchant_id!r} already exists", merchant_id=new.merchant_id
        )
    return merchant, merchant.merchant_id


def get_merchant(sessions: sessionmaker[Session], merchant_id: str) -> Merchant:
    with sessions() as session:
        return require_merchant(session, merchant_id)


def require_merchant(session: Session, merchant_id: str) -> Merchant:
    merchant = merchants.get(session, merchant_id)
    if merchant is None:
        raise MerchantNotFound(f"no merchant {merchant_id!r}", merchant_id=merchant_id)
    return merchant
