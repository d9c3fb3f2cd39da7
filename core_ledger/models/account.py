"""An account: a currency, a type (hence a normal side), a balance policy and running totals."""

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Computed, DateTime, ForeignKey, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from core_ledger.models.base import Base, Xid8

ACCOUNT_TYPES = ("asset", "liability", "equity", "revenue", "expense")
DEBIT_NORMAL_TYPES = ("asset", "expense")
BALANCE_POLICIES = ("never_negative", "overdraft", "unrestricted")


class Account(Base):
    __tablename__ = "accounts"

    account_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.tenant_id"))
    code: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    currency: Mapped[str] = mapped_column(String(3))
    account_type: Mapped[str] = mapped_column(Text)
    normal_side: Mapped[str] = mapped_column(
        Text,
        Computed(
            "case when account_type in ('asset', 'expense') then 'debit' else 'credit' end",
            persisted=True,
        ),
    )
    balance_policy: Mapped[str] = mapped_column(Text)
    overdraft_limit_minor: Mapped[int] = mapped_column(BigInteger, server_default="0")
    posted_debits_minor: Mapped[int] = mapped_column(BigInteger, server_default="0")
    posted_credits_minor: Mapped[int] = mapped_column(BigInteger, server_default="0")
    pending_debits_minor: Mapped[int] = mapped_column(BigInteger, server_default="0")
    pending_credits_minor: Mapped[int] = mapped_column(BigInteger, server_default="0")
    version: Mapped[int] = mapped_column(BigInteger, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_xid: Mapped[int] = mapped_column(
        Xid8, server_default=text("pg_current_xact_id()"), deferred=True
    )

    @property
    def is_debit_normal(self) -> bool:
        return self.normal_side == "debit"

    @property
    def posted_balance_minor(self) -> int:
        """The balance on the account's normal side: what it holds, for a cash account."""
        net = self.posted_debits_minor - self.posted_credits_minor
        return net if self.is_debit_normal else -net

    @property
    def pending_outflow_minor(self) -> int:
        """Reserved by pending holds against the balance."""
        return self.pending_credits_minor if self.is_debit_normal else self.pending_debits_minor

    @property
    def pending_inflow_minor(self) -> int:
        return self.pending_debits_minor if self.is_debit_normal else self.pending_credits_minor

    @property
    def available_balance_minor(self) -> int:
        return self.posted_balance_minor - self.pending_outflow_minor
