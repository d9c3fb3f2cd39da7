"""A merchant: the tenant whose lançamentos the ledger records."""

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Index, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from core_ledger.models.base import Base, Xid8

MERCHANT_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"


class Merchant(Base):
    __tablename__ = "merchants"
    __table_args__ = (
        CheckConstraint(f"merchant_id ~ '{MERCHANT_ID_PATTERN}'", name="merchant_id_format"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_iso4217"),
        Index("ix_merchants_created_xid", "created_xid"),
    )

    merchant_id: Mapped[str] = mapped_column(String(63), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    currency: Mapped[str] = mapped_column(String(3), server_default="BRL")
    # The business day of a merchant is the calendar date in this zone.
    timezone: Mapped[str] = mapped_column(Text, server_default="America/Sao_Paulo")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # See Entry.created_xid: the warehouse extractor's watermark.
    created_xid: Mapped[int] = mapped_column(
        Xid8, server_default=text("pg_current_xact_id()"), deferred=True
    )
