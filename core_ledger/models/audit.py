"""The audit log: one record per state change, first pending, then sealed into a hash chain."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, Identity, LargeBinary, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core_ledger.models.base import Base


class AuditContent:
    """What a record says; the chain hashes exactly these fields."""

    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    principal: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(Text)
    entity_type: Mapped[str] = mapped_column(Text)
    entity_id: Mapped[str] = mapped_column(Text)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class PendingAuditRecord(AuditContent, Base):
    """Written by the transaction that made the change; the worker seals it into the chain."""

    __tablename__ = "audit_pending"

    pending_id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)


class AuditRecord(AuditContent, Base):
    """A sealed record: its place in the chain and the hashes that link it."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary)
    hash: Mapped[bytes] = mapped_column(LargeBinary)


class AuditChainHead(Base):
    __tablename__ = "audit_chain_head"

    singleton: Mapped[bool] = mapped_column(Boolean, primary_key=True, default=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[bytes] = mapped_column(LargeBinary)
