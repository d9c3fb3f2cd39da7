"""A hold: the pending first phase of a two-phase transfer, reserving funds until resolved."""

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from core_ledger.models.base import Base, Xid8

HOLD_STATUSES = ("pending", "posted", "voided", "expired")


class Hold(Base):
    __tablename__ = "holds"

    hold_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.tenant_id"))
    currency: Mapped[str] = mapped_column(Text)
    debit_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.account_id"))
    credit_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.account_id"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(Text, server_default="pending")
    posted_amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    external_id: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(Text)
    # The other party, when the caller names it (core_ledger.counterparty); CPF/CNPJ normalised.
    counterparty_document: Mapped[str | None] = mapped_column(Text)
    counterparty_name: Mapped[str | None] = mapped_column(Text)
    counterparty_country: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_xid: Mapped[int] = mapped_column(
        Xid8, server_default=text("pg_current_xact_id()"), deferred=True
    )
