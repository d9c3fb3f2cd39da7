"""Registering merchants and looking them up."""

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from core_ledger.errors import MerchantAlreadyExists, MerchantNotFound
from core_ledger.models import Merchant
from core_ledger.repositories import merchants


@dataclass(frozen=True)
class NewMerchant:
    merchant_id: str
    name: str
    currency: str = "BRL"
    timezone: str = "America/Sao_Paulo"


def register_merchant(sessions: sessionmaker[Session], new: NewMerchant) -> Merchant:
    with sessions.begin() as session:
        merchant = merchants.insert_if_absent(
            session, new.merchant_id, new.name, new.currency, new.timezone
        )
        if merchant is None:
            raise MerchantAlreadyExists(
                f"merchant {new.merchant_id!r} already exists", merchant_id=new.merchant_id
            )
        return merchant


def get_merchant(sessions: sessionmaker[Session], merchant_id: str) -> Merchant:
    with sessions() as session:
        return require_merchant(session, merchant_id)


def require_merchant(session: Session, merchant_id: str) -> Merchant:
    merchant = merchants.get(session, merchant_id)
    if merchant is None:
        raise MerchantNotFound(f"no merchant {merchant_id!r}", merchant_id=merchant_id)
    return merchant
