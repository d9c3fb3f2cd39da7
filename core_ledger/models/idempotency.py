"""The outcome of each request made with an Idempotency-Key, stored in the request's transaction."""

from datetime import datetime

from sqlalchemy import DateTime, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from core_ledger.models.base import Base


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"

    # Keys are scoped per principal: two clients choosing the same key never collide.
    principal: Mapped[str] = mapped_column(Text, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(Text)
    # sha256 of the canonical request body: the same key with another body is a client error.
    request_fingerprint: Mapped[str] = mapped_column(String(64))
    # What the first request created; a replay renders it again with the route's status (every
    # keyed route so far creates, 201, and what it creates is immutable).
    resource_id: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
