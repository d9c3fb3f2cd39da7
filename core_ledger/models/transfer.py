"""Transfers (journal entries) and their postings: the immutable history of the ledger."""

import uuid
from datetime import datetime

import uuid_utils.compat as uuid_utils
from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core_ledger.models.base import Base, Xid8

TRANSFER_KINDS = ("transfer", "reversal", "hold_posting")


def new_transfer_id() -> uuid.UUID:
    """A UUIDv7 (RFC 9562): its leading bits are the creation time, so every index keyed by a
    transfer id, here and in the warehouse (raw.ledger_transfers and ledger_entries, the
    reconciliation and compliance tables), takes each day's new ids at one edge instead of at
    random pages all over a history-sized index, which a daily run then had to read from disk."""
    return uuid_utils.uuid7()


class Transfer(Base):
    __tablename__ = "transfers"

    transfer_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_transfer_id)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.tenant_id"))
    currency: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text, server_default="transfer")
    reverses_transfer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("transfers.transfer_id")
    )
    hold_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("holds.hold_id"))
    external_id: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(Text)
    # The other party, when the caller names it (core_ledger.counterparty); CPF/CNPJ normalised.
    counterparty_document: Mapped[str | None] = mapped_column(Text)
    counterparty_name: Mapped[str | None] = mapped_column(Text)
    counterparty_country: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_xid: Mapped[int] = mapped_column(
        Xid8, server_default=text("pg_current_xact_id()"), deferred=True
    )

    postings: Mapped[list["Posting"]] = relationship(
        order_by="Posting.posting_id", lazy="selectin", viewonly=True
    )


class Posting(Base):
    __tablename__ = "postings"

    posting_id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    transfer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("transfers.transfer_id"))
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.account_id"))
    direction: Mapped[str] = mapped_column(Text)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    # The account's normal-side balance right after this posting, and the account's version then.
    balance_after_minor: Mapped[int] = mapped_column(BigInteger)
    account_version: Mapped[int] = mapped_column(BigInteger)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    posted_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )
    created_xid: Mapped[int] = mapped_column(
        Xid8, server_default=text("pg_current_xact_id()"), deferred=True
    )
