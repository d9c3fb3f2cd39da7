"""SQLAlchemy table models of the `ledger` schema; the constraints live in the database too."""

from core_ledger.models.base import Base
from core_ledger.models.entry import Entry
from core_ledger.models.idempotency import IdempotencyRecord
from core_ledger.models.merchant import Merchant

__all__ = ["Base", "Entry", "IdempotencyRecord", "Merchant"]
