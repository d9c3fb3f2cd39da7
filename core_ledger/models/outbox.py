"""Outbox events, written in the transaction of the change they announce."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Identity, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core_ledger.models.base import Base, Xid8


class OutboxEvent(Base):
    __tablename__ = "outbox"

    event_id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    event_type: Mapped[str] = mapped_column(Text)
    aggregate_id: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_xid: Mapped[int] = mapped_column(Xid8, server_default=text("pg_current_xact_id()"))
