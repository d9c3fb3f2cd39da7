"""The onboarding register: its customers (a merchant, PJ, or a person, PF, as onboarded) and the
merchants' bank accounts."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from core_ledger.models.base import Base, Xid8

ONBOARDING_SCHEMA = "onboarding"
PERSON_TYPES = ("PJ", "PF")
PAYMENT_MIXES = ("card", "cash", "transfer", "mixed")
BANK_ACCOUNT_SOURCES = ("openfinance", "statement_file")


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


class MerchantBankAccount(Base):
    __tablename__ = "bank_accounts"
    __table_args__ = {"schema": ONBOARDING_SCHEMA}  # noqa: RUF012 (SQLAlchemy reads it)

    # Where the account's lines come from: "openfinance" or "statement_file".
    source: Mapped[str] = mapped_column(Text, primary_key=True)
    # As that source names it: the Open Finance accountId, or "<COMPE code>/<account>" as the
    # warehouse's statement staging spells a statement file's account (see migration 0007).
    bank_account_id: Mapped[str] = mapped_column(Text, primary_key=True)
    # A merchant tenant; never changes once registered (a trigger refuses it).
    merchant_id: Mapped[str] = mapped_column(Text, ForeignKey("ledger.tenants.tenant_id"))
    registered_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Set by a trigger on insert and update: the warehouse copy's watermark (see migration 0005).
    version_xid: Mapped[int] = mapped_column(
        Xid8, server_default=text("pg_current_xact_id()"), deferred=True
    )
