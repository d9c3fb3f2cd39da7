"""A tenant (a merchant, an institution, or the system itself) owns accounts."""

from datetime import datetime

from sqlalchemy import DateTime, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from core_ledger.models.base import Base, Xid8

TENANT_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"
TENANT_KINDS = ("merchant", "institution", "system")


class Tenant(Base):
    __tablename__ = "tenants"

    tenant_id: Mapped[str] = mapped_column(String(63), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    # The currency of the tenant's own books: its default accounts are opened in it.
    currency: Mapped[str] = mapped_column(String(3), server_default="BRL")
    # The tenant's business day is the calendar date in this zone.
    timezone: Mapped[str] = mapped_column(Text, server_default="America/Sao_Paulo")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # The writing transaction's id: the warehouse extractor's watermark, which (unlike a sequence)
    # tells it when every transaction below a point has finished, so no late commit is skipped.
    created_xid: Mapped[int] = mapped_column(
        Xid8, server_default=text("pg_current_xact_id()"), deferred=True
    )
