"""A customer of the onboarding register: a merchant (PJ) or a person (PF), as onboarded."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from core_ledger.models.base import Base, Xid8

ONBOARDING_SCHEMA = "onboarding"
PERSON_TYPES = ("PJ", "PF")
PAYMENT_MIXES = ("card", "cash", "transfer", "mixed")


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = {"schema": ONBOARDING_SCHEMA}  # noqa: RUF012 (SQLAlchemy reads it)

    # A merchant's merchant_id (its tenant_id), or a person customer's id.
    customer_id: Mapped[str] = mapped_column(Text, primary_key=True)
    person_type: Mapped[str] = mapped_column(Text)
    # Clear and validated: this table is the system of record; the warehouse gets a token.
    document: Mapped[str] = mapped_column(Text)
    legal_name: Mapped[str] = mapped_column(Text)
    declared_cnae: Mapped[str | None] = mapped_column(Text)
    declared_monthly_revenue_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(Text, server_default="BRL")
    contact_email: Mapped[str | None] = mapped_column(Text)
    contact_phone: Mapped[str | None] = mapped_column(Text)
    expected_payment_mix: Mapped[str] = mapped_column(Text)
    onboarded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Set by a trigger on insert and update: the warehouse copy's watermark (see migration 0005).
    version_xid: Mapped[int] = mapped_column(
        Xid8, server_default=text("pg_current_xact_id()"), deferred=True
    )
