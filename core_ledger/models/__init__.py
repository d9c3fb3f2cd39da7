"""SQLAlchemy table models of the `ledger`, `onboarding` and `read_model` schemas; the
constraints live in the database (see the migrations), these mirror them for the code."""

from core_ledger.models.account import Account
from core_ledger.models.api_key import ApiKey
from core_ledger.models.audit import AuditChainHead, AuditRecord, PendingAuditRecord
from core_ledger.models.base import Base
from core_ledger.models.hold import Hold
from core_ledger.models.idempotency import IdempotencyRecord
from core_ledger.models.onboarding import Customer, MerchantBankAccount
from core_ledger.models.outbox import OutboxEvent
from core_ledger.models.read_model import Checkpoint, DailyAccountTotals
from core_ledger.models.tenant import Tenant
from core_ledger.models.transfer import Posting, Transfer

__all__ = [
    "Account",
    "ApiKey",
    "AuditChainHead",
    "AuditRecord",
    "Base",
    "Checkpoint",
    "Customer",
    "DailyAccountTotals",
    "Hold",
    "IdempotencyRecord",
    "MerchantBankAccount",
    "OutboxEvent",
    "PendingAuditRecord",
    "Posting",
    "Tenant",
    "Transfer",
]
