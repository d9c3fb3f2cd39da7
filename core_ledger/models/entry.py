"""A lançamento: one credit or debit on a merchant's cash, in integer minor units."""

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core_ledger.models.base import Base, Xid8

ENTRY_TYPES = ("credit", "debit")


class Entry(Base):
    __tablename__ = "entries"
    __table_args__ = (
        CheckConstraint("entry_type in ('credit', 'debit')", name="entry_type_known"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_iso4217"),
        UniqueConstraint("merchant_id", "external_id"),
        Index("ix_entries_merchant_id_occurred_at", "merchant_id", "occurred_at"),
        Index("ix_entries_created_xid", "created_xid"),
    )

    entry_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.merchant_id"))
    entry_type: Mapped[str] = mapped_column(String(6))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # The writing transaction's id: the warehouse extractor's watermark, which (unlike a sequence)
    # tells it when every transaction below a point has finished, so no late commit is skipped.
    created_xid: Mapped[int] = mapped_column(
        Xid8, server_default=text("pg_current_xact_id()"), deferred=True
    )
