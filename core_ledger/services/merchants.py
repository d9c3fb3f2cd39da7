"""Registering merchants and looking them up."""

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from core_ledger.errors import MerchantAlreadyExists, MerchantNotFound
from core_ledger.models import Merchant
from core_ledger.repositories import merchants
from core_ledger.services import idempotency
from core_ledger.services.idempotency import IdempotentRequest


@dataclass(frozen=True)
class NewMerchant:
    merchant_id: str
    name: str
    currency: str = "BRL"
    timezone: str = "America/Sao_Paulo"


@dataclass(frozen=True)
class RegisteredMerchant:
    merchant: Merchant
    replayed: bool  # True when an earlier request with the same Idempotency-Key registered it


def register_merchant(
    sessions: sessionmaker[Session], new: NewMerchant, idempotent: IdempotentRequest | None = None
) -> RegisteredMerchant:
    with sessions.begin() as session:
        if idempotent is not None:
            earlier = idempotency.claim(session, idempotent)
            if earlier is not None:
                return RegisteredMerchant(require_merchant(session, earlier), replayed=True)
        merchant = merchants.insert_if_absent(
            session, new.merchant_id, new.name, new.currency, new.timezone
        )
        if merchant is None:
            raise MerchantAlreadyExists(
                f"merchant {new.merchant_id!r} already exists", merchant_id=new.merchant_id
            )
        if idempotent is not None:
            idempotency.record_outcome(session, idempotent, merchant.merchant_id)
        return RegisteredMerchant(merchant, replayed=False)


def get_merchant(sessions: sessionmaker[Session], merchant_id: str) -> Merchant:
    with sessions() as session:
        return require_merchant(session, merchant_id)


def require_merchant(session: Session, merchant_id: str) -> Merchant:
    merchant = merchants.get(session, merchant_id)
    if merchant is None:
        raise MerchantNotFound(f"no merchant {merchant_id!r}", merchant_id=merchant_id)
    return merchant
