"""The read model the projector builds from the outbox: daily totals per account, and its
checkpoint."""

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, Integer, MetaData, Text, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core_ledger.models.base import NAMING_CONVENTION, Xid8

READ_MODEL_SCHEMA = "read_model"


class ReadModelBase(DeclarativeBase):
    metadata = MetaData(schema=READ_MODEL_SCHEMA, naming_convention=NAMING_CONVENTION)


class DailyAccountTotals(ReadModelBase):
    __tablename__ = "daily_account_totals"

    account_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    business_date: Mapped[date] = mapped_column(Date, primary_key=True)
    debits_minor: Mapped[int] = mapped_column(BigInteger)
    credits_minor: Mapped[int] = mapped_column(BigInteger)
    debit_count: Mapped[int] = mapped_column(Integer)
    credit_count: Mapped[int] = mapped_column(Integer)


class Checkpoint(ReadModelBase):
    __tablename__ = "checkpoints"

    consumer: Mapped[str] = mapped_column(Text, primary_key=True)
    last_xid: Mapped[int] = mapped_column(Xid8)
    last_event_id: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
